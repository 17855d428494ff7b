"""Loading and validating the classifier's rules, upstream facts and framework names.

Everything the classifier knows is data: ``data/rules.toml`` (signals),
``data/upstream-facts.toml`` (curated facts about upstream sources) and
``data/known-frameworks.toml`` (training-software names).  Users add their own
files in the same formats; :func:`load_rules` merges them after the built-in
ones, a user rule or fact with a built-in id replacing it.  A file may hold
``[[rule]]`` and ``[[fact]]`` tables (and framework ``names``) together.

Bad files raise :class:`RuleError`, naming the file and the offending entry.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import attrs
from attrs import field, frozen

from guixml.errors import GuixmlError

__all__ = ["Rule", "Fact", "Frameworks", "RuleSet", "RuleError", "load_rules",
           "KINDS", "SUGGESTIONS", "FIELDS", "CARRIES"]

#: Rule kinds and the fields each may read.
FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("name", "synopsis", "description"),
    "origin": ("uri", "file-name"),
    "install": ("install-plan", "builder"),
    "build": ("arguments", "snippet"),
    "wired-path": ("arguments",),
}
KINDS = tuple(FIELDS)

#: What a rule may suggest.
SUGGESTIONS = ("weights", "model", "payload", "tangled", "external", "training",
               "wrapper", "none")

#: Conclusions a veto may remove.
VETOABLE = ("weights", "model", "payload", "tangled", "external", "training")

#: What an upstream fact may say a source carries.  A ``fetcher`` is a library
#: that downloads trained weights when its users run (a model-hub client): a
#: package that uses it at run time (``inputs``, ``propagated-inputs``) very
#: likely needs weights Guix does not provide.
CARRIES = ("weights", "runner", "trainer", "fetcher")


class RuleError(GuixmlError):
    """A rule, fact or framework file that is not well formed."""


@frozen
class Rule:
    id: str
    kind: str
    fields: tuple[str, ...]
    pattern: re.Pattern[str] = field(eq=False)
    suggests: str
    confidence: float
    description: str = ""
    vetoes: tuple[str, ...] = ()
    origin_file: str = ""
    #: A weak training signal that a framework among the run-time inputs corroborates.
    framework: bool = False
    #: With ``framework``: only a deep-learning framework (known-frameworks.toml
    #: ``deep_learning``) corroborates it (TOML ``framework = "deep"``).
    deep: bool = False


@frozen
class Fact:
    id: str
    match: tuple[re.Pattern[str], ...] = field(eq=False)
    carries: tuple[str, ...]
    citation: str
    files: tuple[str, ...] = ()
    vendored: tuple[str, ...] = ()
    weights_license: str | None = None
    note: str = ""
    origin_file: str = ""

    def matches(self, uri: str) -> bool:
        return any(p.search(uri) for p in self.match)


@frozen
class Frameworks:
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    inference_suffixes: tuple[str, ...] = ()
    variant_suffixes: tuple[re.Pattern[str], ...] = field(default=(), eq=False)
    #: The names among ``names`` that are deep-learning frameworks.
    deep: frozenset[str] = frozenset()
    #: The names as a tuple, for str.startswith: a variant of a framework
    #: starts with its name, so other names skip the suffix patterns.
    _starts: tuple[str, ...] = field(init=False, eq=False, repr=False, default=attrs.Factory(
        lambda self: tuple(self.names), takes_self=True))

    def match(self, package_name: str | None) -> str | None:
        """The framework PACKAGE_NAME is a build of, or ``None``."""
        if not package_name:
            return None
        name = package_name.lower()
        for suffix in self.inference_suffixes:
            stem = suffix.rstrip("*")
            if (name.endswith(stem) if stem == suffix else stem in name):
                return None
        candidates = [name] + [name[len(p):] for p in self.prefixes if name.startswith(p)]
        for candidate in candidates:
            if candidate in self.names:
                return candidate
            if not candidate.startswith(self._starts):
                continue
            for suffix in self.variant_suffixes:
                match = suffix.search(candidate)
                if match and match.end() == len(candidate) and match.start() > 0:
                    if candidate[:match.start()] in self.names:
                        return candidate[:match.start()]
        return None


@frozen
class RuleSet:
    rules: tuple[Rule, ...]
    facts: tuple[Fact, ...]
    frameworks: Frameworks
    threshold: float = 0.8

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def rule(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None

    def fingerprint(self) -> str:
        """A hash of everything the rules, facts and framework names say, the
        same in every process (sets sorted, patterns written out): what a
        stored classification is keyed on."""
        return hashlib.sha256(repr(_canonical(self)).encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """VALUE as nested tuples of plain values, independent of hash order."""
    if isinstance(value, re.Pattern):
        return ("re", value.pattern, value.flags)
    if attrs.has(type(value)):
        return (type(value).__name__,) + tuple(
            (f.name, _canonical(getattr(value, f.name)))
            for f in attrs.fields(type(value)) if f.init)
    if isinstance(value, (set, frozenset)):
        return ("set",) + tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (tuple, list)):
        return tuple(_canonical(v) for v in value)
    return value


_BUILTIN = ("rules.toml", "upstream-facts.toml", "known-frameworks.toml")


def _read_toml(name: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{name}: {exc}") from None


def _compile(where: str, pattern: Any, case: bool = False) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: `pattern` must be a non-empty string")
    try:
        return re.compile(pattern, 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise RuleError(f"{where}: bad regular expression: {exc}") from None


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _entry(name: str, what: str, index: int, raw: Any, known: set[str]) -> tuple[str, str]:
    """The id of entry INDEX (a rule or a fact) of file NAME, and how errors
    name it, once it is a table with an `id` and only KNOWN keys."""
    where = f"{name}: {what} #{index + 1}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: must be a table")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise RuleError(f"{where}: missing `id`")
    where = f"{name}: {what} {entry_id!r}"
    unknown = set(raw) - known
    if unknown:
        raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
    return entry_id, where


def _rule(name: str, index: int, raw: Any) -> Rule:
    rule_id, where = _entry(name, "rule", index, raw, {
        "id", "kind", "fields", "pattern", "suggests", "confidence", "description",
        "vetoes", "case", "framework"})
    kind = raw.get("kind")
    if kind not in FIELDS:
        raise RuleError(f"{where}: `kind` must be one of {list(KINDS)}, not {kind!r}")
    fields = _strings(where, "fields", raw.get("fields")) or FIELDS[kind]
    bad = [f for f in fields if f not in FIELDS[kind]]
    if bad:
        raise RuleError(f"{where}: kind {kind!r} reads {list(FIELDS[kind])}, not {bad}")
    suggests = raw.get("suggests")
    if suggests not in SUGGESTIONS:
        raise RuleError(f"{where}: `suggests` must be one of {list(SUGGESTIONS)}")
    confidence = raw.get("confidence")
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool) \
            or not 0.0 <= confidence <= 1.0:
        raise RuleError(f"{where}: `confidence` must be a number in [0, 1]")
    vetoes = _strings(where, "vetoes", raw.get("vetoes"))
    bad = [v for v in vetoes if v not in VETOABLE]
    if bad:
        raise RuleError(f"{where}: cannot veto {bad}; one of {list(VETOABLE)}")
    if suggests == "none" and not vetoes:
        raise RuleError(f"{where}: a rule suggesting `none` must list `vetoes`")
    if suggests == "wrapper" and kind != "text":
        raise RuleError(f"{where}: only text rules may suggest `wrapper`")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise RuleError(f"{where}: `description` must be a string")
    framework = raw.get("framework", False)
    deep = framework == "deep"
    framework = True if deep else framework
    if not isinstance(framework, bool) or (framework and suggests != "training"):
        raise RuleError(f"{where}: `framework` must be true, \"deep\" or false, and set only "
                        "for a rule suggesting `training`")
    pattern = _compile(where, raw.get("pattern"), bool(raw.get("case")))
    if suggests == "wrapper" and "name" not in pattern.groupindex:
        raise RuleError(f"{where}: a `wrapper` rule needs a (?P<name>...) group")
    return Rule(id=rule_id, kind=kind, fields=fields,
                pattern=pattern,
                suggests=suggests, confidence=float(confidence),
                description=description, vetoes=vetoes, origin_file=name,
                framework=framework, deep=deep)


def _fact(name: str, index: int, raw: Any) -> Fact:
    fact_id, where = _entry(name, "fact", index, raw, {
        "id", "match", "carries", "files", "vendored", "weights_license", "citation",
        "note"})
    patterns = _strings(where, "match", raw.get("match"))
    if not patterns:
        raise RuleError(f"{where}: `match` must list at least one URL pattern")
    carries = _strings(where, "carries", raw.get("carries"))
    if not carries or any(c not in CARRIES for c in carries):
        raise RuleError(f"{where}: `carries` must list some of {list(CARRIES)}")
    citation = raw.get("citation")
    if not isinstance(citation, str) or not re.match(r"https?://", citation):
        raise RuleError(f"{where}: every fact needs a `citation` URL")
    licence = raw.get("weights_license")
    if licence is not None and not isinstance(licence, str):
        raise RuleError(f"{where}: `weights_license` must be an SPDX expression string")
    return Fact(id=fact_id, match=tuple(_compile(where, p) for p in patterns),
                carries=carries, citation=citation,
                files=_strings(where, "files", raw.get("files")),
                vendored=_strings(where, "vendored", raw.get("vendored")),
                weights_license=licence, note=str(raw.get("note", "")),
                origin_file=name)


def _merge(items: list[Any], new: Iterable[Any]) -> None:
    for item in new:
        for i, old in enumerate(items):
            if old.id == item.id:
                items[i] = item
                break
        else:
            items.append(item)


def load_rules(extra_paths: Iterable[str | Path] = ()) -> RuleSet:
    """The built-in rules, facts and frameworks, then those of EXTRA_PATHS."""
    documents: list[tuple[str, dict[str, Any]]] = []
    data = resources.files("guixml") / "data"
    for name in _BUILTIN:
        documents.append((f"guixml/data/{name}",
                          _read_toml(name, (data / name).read_text(encoding="utf-8"))))
    for path in extra_paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RuleError(f"{path}: cannot read rule file: {exc.strerror}") from None
        documents.append((str(path), _read_toml(str(path), text)))

    rules: list[Rule] = []
    facts: list[Fact] = []
    names: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    variants: list[str] = []
    deep: set[str] = set()
    threshold = 0.8
    for name, doc in documents:
        settings = doc.get("settings", {})
        if "threshold" in settings:
            value = settings["threshold"]
            if not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise RuleError(f"{name}: settings.threshold must be in (0, 1]")
            threshold = float(value)
        raw_rules = doc.get("rule", [])
        raw_facts = doc.get("fact", [])
        if not isinstance(raw_rules, list) or not isinstance(raw_facts, list):
            raise RuleError(f"{name}: `rule` and `fact` must be arrays of tables")
        new_rules = [_rule(name, i, r) for i, r in enumerate(raw_rules)]
        ids = [r.id for r in new_rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise RuleError(f"{name}: duplicate rule ids {sorted(dup)}")
        _merge(rules, new_rules)
        _merge(facts, [_fact(name, i, f) for i, f in enumerate(raw_facts)])
        names.update(n.lower() for n in _strings(name, "names", doc.get("names")))
        prefixes += _strings(name, "prefixes", doc.get("prefixes"))
        suffixes += _strings(name, "inference_suffixes", doc.get("inference_suffixes"))
        variants += _strings(name, "variant_suffixes", doc.get("variant_suffixes"))
        deep.update(n.lower() for n in _strings(name, "deep_learning", doc.get("deep_learning")))
    return RuleSet(rules=tuple(rules), facts=tuple(facts),
                   frameworks=Frameworks(
                       frozenset(names), tuple(dict.fromkeys(prefixes)),
                       tuple(dict.fromkeys(suffixes)),
                       tuple(_compile(f"{name}: variant_suffixes", v, case=True)
                             for v in dict.fromkeys(variants)),
                       frozenset(deep & names)),
                   threshold=threshold)


# ------------------------------------------------------------ prefilter --

def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings of which every match of PATTERN contains at least one, or None.

    Why: most text never matches most rules, and ``in`` on a string is far
    cheaper than a regular expression search, so a rule is searched only
    where one of these occurs.  For a case-insensitive pattern they are lower
    case and hold only for ASCII text (searched lower-cased); see
    :func:`may_match`.  None when nothing is certain (inline flags, a
    required part that is only classes or repeats, a non-ASCII literal).
    """
    from re import _parser  # the standard library's own pattern parser
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    found = _sequence_needs(list(parsed), _parser)
    if not found:
        return None
    if pattern.flags & re.IGNORECASE:
        found = tuple(dict.fromkeys(s.lower() for s in found))
    # "A or B" where B is part of A is just "B": fewer strings to look for.
    return tuple(a for a in found if not any(b != a and b in a for b in found))


def _sequence_needs(items: list, p: Any) -> tuple[str, ...] | None:
    """The best requirement of a sequence: its longest shortest alternative."""
    c = p  # constants (LITERAL, BRANCH …) are re-exported by the parser module
    candidates: list[tuple[str, ...]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(("".join(run),))
            run.clear()

    for op, av in items:
        if op is c.LITERAL and av < 128:
            run.append(chr(av))
            continue
        close_run()
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None  # inline flags change what a literal means
            found = _sequence_needs(list(sub), p)
            if found is None and _has_inline_flags(list(sub), p):
                return None
        elif op is c.BRANCH:
            alternatives = [_sequence_needs(list(alt), p) for alt in av[1]]
            if any(_has_inline_flags(list(alt), p) for alt in av[1]):
                return None
            found = None if any(a is None for a in alternatives) else \
                tuple(dict.fromkeys(s for a in alternatives for s in a))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if _has_inline_flags(list(sub), p):
                return None
            found = _sequence_needs(list(sub), p) if low >= 1 else None
        elif op in (c.ATOMIC_GROUP,):
            found = _sequence_needs(list(av), p)
        else:
            if op in (c.ASSERT, c.ASSERT_NOT) and _has_inline_flags(list(av[1]), p):
                return None
            found = None
        if found:
            candidates.append(found)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=lambda alternatives: min(len(s) for s in alternatives))


def _has_inline_flags(items: list, p: Any) -> bool:
    for op, av in items:
        if op is p.SUBPATTERN:
            if av[1] or av[2] or _has_inline_flags(list(av[3]), p):
                return True
        elif op is p.BRANCH:
            if any(_has_inline_flags(list(alt), p) for alt in av[1]):
                return True
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT):
            if _has_inline_flags(list(av[2]), p):
                return True
        elif op in (p.ASSERT, p.ASSERT_NOT):
            if _has_inline_flags(list(av[1]), p):
                return True
        elif op is p.ATOMIC_GROUP:
            if _has_inline_flags(list(av), p):
                return True
    return False
