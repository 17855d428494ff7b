"""The classifier: code, weights or training software, with the evidence behind it.

Public API::

    from guixml.classify.rules import load_rules
    from guixml.classify.classifier import classify_package, classify_channel, Classifier

    rules = load_rules()                        # or load_rules(extra_paths=[...])
    audit = classify_package(package, rules, resolve)   # -> results.PackageAudit
    result = classify_channel(index, rules)     # -> results.AuditResult

``resolve(name, package)`` answers what the variable NAME denotes as seen
from PACKAGE's module: a :class:`guixml.evaluate.model.Package`, a
:class:`guixml.evaluate.model.Origin`, any other value (a list kept by a module-level
``define``, as text or datum), or ``None``.  It is used for inputs that are
package references, for the parent named by ``inherit``, and for origins and
constants that build arguments or snippets name (``#$cld3-origin``,
``'#$%preserved-third-party-files``).  Without it, classification sees only
the package itself.

How it decides (details and the rule format: docs/classifier.md):

1. A ``properties`` annotation (``ml-weights`` …) on the package wins.
2. Each rule of ``rules.toml`` reads the package fields it names and, on a
   match, records evidence for what it suggests; facts of
   ``upstream-facts.toml`` apply to the URIs of the source and of every origin
   the package uses; inputs that are ``model`` packages are weights.
3. Evidence for one conclusion combines as a noisy OR; a conclusion holds when
   its score reaches the threshold.  Vetoes remove conclusions.
4. The role is the first that holds in the precedence model > separate >
   tangled > external (labelling rule 4), else ``none``.

Everything is a pure function of the package, the resolver and the rules.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Callable, Iterable

import attrs

from guixml.scheme.datum import DottedList, Keyword, Symbol
from guixml.evaluate.model import Input, Origin, Package
from guixml.classify.results import (AuditResult, Evidence, InputVerdict, NearMiss,
                                     PackageAudit, Problem)
from guixml.classify.rules import Fact, Rule, RuleSet, load_rules, required_literals

__all__ = ["classify_package", "classify_channel", "Classifier", "Resolver", "FormText",
           "PRECEDENCE", "datum_text"]

Resolver = Callable[..., Any]  # (name, package[, module]) -> Package | Origin | datum | None
FormText = Callable[[Package], "str | None"]

#: Role precedence when several apply (labelling rule 4).
PRECEDENCE = ("model", "separate", "tangled", "external")

#: Build systems that compile no code: weights found in such a package are its payload.
PAYLOAD_BUILD_SYSTEMS = ("copy-build-system", "trivial-build-system")

#: How a reference to another input is written in build code, nearest first.
_INPUT_REFERENCE = re.compile(
    r'this-package(?:-native)?-input\s+"(?P<quoted>[^"]+)"'
    r'|assoc-ref\s+%?(?:build-inputs|inputs|native-inputs)\s+"(?P<assoc>[^"]+)"'
    r'|#\$(?P<ungexp>[A-Za-z%][\w.+*<>!?/-]*)')

#: Variables that build code ungexps or unquotes: origins or module constants.
_CODE_REFERENCE = re.compile(r'(?:#\$|#\+|,)(?P<name>%?[A-Za-z][\w.+*<>!?/-]*)'
                             r'|\(snippet\s+(?:\((?:force|delay)\s+)?(?P<bare>%?[A-Za-z][\w.+*<>!?/-]*)\s*\)')
_NOT_REFERENCES = frozenset({"output", "name", "version", "outputs", "inputs",
                             "native-inputs", "system", "target"})

_PROPERTY_ROLES = {"model", "separate", "tangled", "external"}

#: Input fields a package uses when it runs (native inputs serve the build only).
_RUNTIME_FIELDS = frozenset({"inputs", "propagated-inputs"})
#: A run-time input that downloads weights: weak alone (training utilities and
#: analysis libraries use the hub client for their own files), it decides with
#: any text signal of a model or a runner; a veto (dataset libraries, API
#: clients) removes it.
_FETCHER_CONFIDENCE = 0.6
#: A machine-learning framework among the run-time inputs: corroboration only,
#: of a text signal (a fetcher among the inputs is not one).
_FRAMEWORK_RUNTIME_CONFIDENCE = 0.5
#: The same, of a weak training signal ("implementation in PyTorch",
#: "Transformer building blocks"): code built on a framework to define models.
_FRAMEWORK_TRAINING_CONFIDENCE = 0.6
#: A run-time input that is itself a runner of external weights, when the
#: package's text does not name it (weak: a text rule of the package's own, even
#: a weak one, or a weight-fetching input must corroborate it; it counts once).
_RUNNER_INPUT_CONFIDENCE = 0.67
_WINDOW = 400  # characters searched before a wired path for the input it names

#: How deep input chains are followed on a first visit (Python's stack is finite;
#: classify_channel visits every package anyway, so little is lost).
_MAX_DEPTH = 120
#: After a wrapped project's name, another capitalised word that is part of
#: the name ("TensorFlow Datasets", "TensorFlow SIG Addons"), not a generic noun.
_NAME_GOES_ON = re.compile(r"['’\"}]? (?!(?:Library|Framework|Toolkit|Package|API|Python|R)\b)"
                           r"(?:[A-Z]|I/O\b)")

# Evidence fields read from a package's own text, and the model's attribute
# holding it (an inherited one equals the parent's); code fields are found in
# the form's text, so their writer is the first with the field in its form.
_TEXT_FIELDS = {"name": "name", "synopsis": "synopsis", "description": "description",
                "home-page": "home_page", "properties": "properties"}
_CODE_FIELDS = frozenset({"arguments", "install-plan", "builder"})


# ------------------------------------------------------------------ text --

def datum_text(value: Any) -> str:
    """Scheme-like text of VALUE: the source text when it was read from a file."""
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    parts: list[str] = []
    _write(value, parts, 0)
    return "".join(parts)


def _write(value: Any, out: list[str], depth: int) -> None:
    if depth > 200:
        out.append("...")
        return
    if value is None:
        out.append("#f")
    elif isinstance(value, Keyword):
        out.append("#:" + str(value))
    elif isinstance(value, Symbol):
        out.append(str(value))
    elif isinstance(value, bool):
        out.append("#t" if value else "#f")
    elif isinstance(value, str):
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    elif isinstance(value, (list, tuple)):
        out.append("(")
        for i, item in enumerate(value):
            if i:
                out.append(" ")
            _write(item, out, depth + 1)
        out.append(")")
    elif isinstance(value, DottedList):
        _write(list(value.items) + [Symbol("."), value.tail], out, depth + 1)
    elif hasattr(value, "name") and isinstance(getattr(value, "name"), str):
        out.append(value.name)
    else:
        out.append(str(value))


_PLUS_ONE = (1).__add__

_FIELD_START: dict[str, re.Pattern[str]] = {}


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern matching where any of PATTERNS does (a prefilter), or None
    when they cannot be joined (different flags, group names used twice)."""
    if not patterns or len({p.flags for p in patterns}) != 1:
        return None
    if any(re.search(r"\\[1-9]|\(\?P=", p.pattern) for p in patterns):
        return None  # back-references would point at other groups once joined
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None


def _field_form(text: str, field: str) -> str | None:
    """The text of the first ``(FIELD …)`` form in TEXT, or None."""
    pattern = _FIELD_START.get(field)
    if pattern is None:
        pattern = _FIELD_START[field] = re.compile(r"\(%s\b" % re.escape(field))
    match = pattern.search(text)
    if match is None:
        return None
    return _balanced(text, match.start())


def _keyword_value(arguments: Any, keyword: str, depth: int = 0) -> Any:
    """The value after #:KEYWORD anywhere in ARGUMENTS (a datum), or None."""
    if depth > 6 or not isinstance(arguments, (list, tuple)):
        return None
    items = list(arguments)
    for i, item in enumerate(items):
        if isinstance(item, Keyword) and str(item) == keyword and i + 1 < len(items):
            return items[i + 1]
    for item in items:
        if isinstance(item, (list, tuple)):
            found = _keyword_value(item, keyword, depth + 1)
            if found is not None:
                return found
    return None


def _keyword_text(arguments: Any, text: str, keyword: str) -> str:
    found = _keyword_value(arguments, keyword)
    if found is not None:
        return datum_text(found)
    # Arguments known only as text: take the balanced form after the keyword.
    at = text.find("#:" + keyword)
    if at < 0:
        return ""
    return _balanced(text, at + len(keyword) + 2)


#: What hides brackets from the bracket count: a comment, a string, a character.
_OPAQUE = re.compile(r'[;"]|#\\')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[()\[\]]")


def _balanced(text: str, start: int) -> str:
    """From START, the first complete datum of TEXT (skipping strings and comments)."""
    if text.startswith(("(", "["), start):
        return text[start:_list_end(text, start)]
    return _balanced_slow(text, start)


def _walk_brackets(text: str, start: int, end: int, depth: int) -> tuple[int, int]:
    """The brackets of TEXT[START:END] one by one from DEPTH: (0, one past the
    bracket that brings the depth to 0) when one does, else (depth, -1)."""
    for bracket in _BRACKET.finditer(text, start, end):
        if bracket.group() in "([":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return 0, bracket.end()
    return depth, -1


def _list_end(text: str, start: int) -> int:
    """One past the bracket closing the list that opens at START (len(TEXT) if none).

    Why not one character at a time: forms are long (all of Guix is 41 MB),
    so brackets are counted a stretch at a time with str.count between the
    comments, strings and characters that may hide them, and only the last
    stretch is walked bracket by bracket.  Same reading as _balanced_slow.
    """
    depth = 0
    i, n = start, len(text)
    find_opaque = _OPAQUE.search
    while i < n:
        opaque = find_opaque(text, i)
        stop = opaque.start() if opaque is not None else n
        closes = text.count(")", i, stop) + text.count("]", i, stop)
        if closes < depth:
            depth += text.count("(", i, stop) + text.count("[", i, stop) - closes
        else:
            depth, end = _walk_brackets(text, i, stop, depth)
            if end >= 0:
                return end
        if opaque is None:
            return n
        c = text[stop]
        if c == ";":
            j = text.find("\n", stop)
            i = n if j < 0 else j
        elif c == '"':
            rest = _STRING_REST.match(text, stop + 1)
            i = rest.end() if rest is not None else n
        else:  # a character, #\x: three characters whatever the third is
            i = stop + 3
    return n


#: A comment, string or character exactly as _list_end skips them (a string
#: left open runs to the end).
_OPAQUE_TOKEN = re.compile(r';[^\n]*|"(?:[^"\\]*(?:\\.[^"\\]*)*"|.*\Z)|#\\.?', re.S)
_HIDE_BRACKETS = str.maketrans("()[]", "    ")


#: Plain text and the comments, strings and characters that hold no bracket,
#: as far as it goes (then comes a token holding one, or the end): _mask.
_BRACKET_FREE = re.compile(
    r'(?:[^;"#]++|#(?!\\)'
    r'|;[^\n()\[\]]*+(?=\n|\Z)'
    r'|"[^"\\()\[\]]*+(?:\\[^()\[\]][^"\\()\[\]]*+)*+"'
    r'|#\\(?![()\[\]]).?)++', re.S)


def _mask(text: str) -> str:
    """TEXT with every bracket inside a comment, string or character blanked.

    Read from the start of TEXT as _list_end reads from any point; where a
    bracket survives, that point is between tokens, so _list_end from it
    meets the same tokens as this reading and _close on the mask agrees.
    Stretches whose tokens hold no bracket are stepped over in one match.
    """
    parts = []
    at, n = 0, len(text)
    free = _BRACKET_FREE.match
    token = _OPAQUE_TOKEN.match
    while at < n:
        stretch = free(text, at)
        if stretch is not None:
            at = stretch.end()
            if at >= n:
                break
        found = token(text, at)
        if found is None:  # a bracket outside any token: kept
            at += 1
            continue
        parts.append((found.start(), found.end()))
        at = found.end()
    if not parts:
        return text
    pieces, last = [], 0
    for start, end in parts:
        pieces.append(text[last:start])
        pieces.append(text[start:end].translate(_HIDE_BRACKETS))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _nested_list(depth: int) -> re.Pattern[str]:
    """A list whose brackets nest at most DEPTH deep (no strings: for masks).

    Possessive: a balanced list can be matched one way only, so nothing is
    ever retried; a list nested deeper simply does not match.
    """
    inner = r"[(\[][^()\[\]]*+[)\]]"
    for _ in range(depth - 1):
        inner = r"[(\[](?:[^()\[\]]++|%s)*+[)\]]" % inner
    return re.compile(inner)


_LIST = _nested_list(32)


def _close(masked: str, start: int, limit: int) -> int:
    """_list_end on a masked text (see _mask) from a bracket at START, not
    looking at or past LIMIT (LIMIT when the list does not close before).

    One regular expression match for lists nested up to 32 deep; deeper ones
    have their brackets counted a stretch at a time: a stretch with fewer
    closing brackets than the depth cannot close the list; only short
    stretches are walked bracket by bracket.
    """
    found = _LIST.match(masked, start, limit)
    if found is not None:
        return found.end()
    count = masked.count
    depth = 0
    i = start
    step = 256
    while i < limit:
        j = min(i + step, limit)
        closes = count(")", i, j) + count("]", i, j)
        if closes < depth:
            depth += count("(", i, j) + count("[", i, j) - closes
            i = j
            step <<= 1
        elif j - i > 48:
            step = (j - i) >> 2
        else:
            depth, end = _walk_brackets(masked, i, j, depth)
            if end >= 0:
                return end
            i = j
            step = 64
    return limit


def _balanced_slow(text: str, start: int) -> str:
    """_balanced from anything but a bracket (an atom after a keyword): rare."""
    depth = 0
    i, n = start, len(text)
    begun = False
    while i < n:
        c = text[i]
        if c == ";":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            begun = True
        elif c == "#" and text.startswith("#\\", i):
            i += 3
            begun = True
            continue
        elif c in "([":
            depth += 1
            begun = True
        elif c in ")]":
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif not c.isspace() and c not in "'`,#@$~":
            begun = True
        elif c.isspace() and begun and depth == 0:
            return text[start:i]
        i += 1
        if begun and depth == 0 and c in ")]\"":
            return text[start:i]
    return text[start:]


# ------------------------------------------------------------- evidence --

class _Scores:
    """Evidence per conclusion, combined as a noisy OR."""

    def __init__(self) -> None:
        self.evidence: dict[str, list[tuple[float, Evidence]]] = {}
        self.vetoed: dict[str, Evidence] = {}

    def add(self, conclusion: str, confidence: float, evidence: Evidence) -> None:
        items = self.evidence.setdefault(conclusion, [])
        if any(e.rule == evidence.rule and e.matched == evidence.matched for _, e in items):
            return
        items.append((confidence, evidence))

    def score(self, conclusion: str) -> float:
        if conclusion in self.vetoed:
            return 0.0
        remaining = 1.0
        seen: set[str] = set()
        for confidence, ev in sorted(self.evidence.get(conclusion, ()), key=lambda x: -x[0]):
            if ev.rule in seen:  # one rule counts once, however often it matched
                continue
            seen.add(ev.rule)
            remaining *= 1.0 - confidence
        return 1.0 - remaining

    def holds(self, conclusion: str, threshold: float) -> bool:
        return self.score(conclusion) >= threshold - 1e-9

    def reasons(self, conclusion: str) -> tuple[Evidence, ...]:
        return tuple(e for _, e in sorted(self.evidence.get(conclusion, ()),
                                          key=lambda x: -x[0]))


class _Found:
    """What is kept of a match: its span and its ``name`` group (plain data)."""

    __slots__ = ("_start", "_end", "_name")

    def __init__(self, start: int, end: int, name: str | None) -> None:
        self._start, self._end, self._name = start, end, name

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _name: str) -> str | None:
        return self._name


_TOKEN_END = re.compile(r"[\s()\[\]\"']")


def _snippet(text: str, match: re.Match[str], width: int = 50, limit: int = 160) -> str:
    """The text around MATCH, about WIDTH characters of context, cut only
    between tokens (at a space, parenthesis or quote, never inside
    `,(string-append`), an ellipsis where text was left out; at most LIMIT
    characters."""
    start = max(0, match.start() - width // 2)
    end = min(len(text), match.end() + width // 2)
    if start > 0 and not _TOKEN_END.match(text, start - 1):
        found = _TOKEN_END.search(text, start, match.start())
        start = found.end() if found else match.start()
    if end < len(text) and not _TOKEN_END.match(text, end):
        before = [m.start() for m in _TOKEN_END.finditer(text, match.end(), end)]
        end = before[-1] if before else match.end()
    piece = " ".join(text[start:end].split())
    cut_tail = end < len(text)
    if len(piece) > limit - 2:
        cut = piece.rfind(" ", 0, limit - 2)
        piece, cut_tail = piece[:cut if cut > 0 else limit - 2], True
    return ("\u2026" if start > 0 else "") + piece + ("\u2026" if cut_tail else "")


# ---------------------------------------------------------- classifier --

class Classifier:
    """Classifies packages with one rule set and one resolver, remembering results.

    Remembering matters: a package's role depends on the roles of its inputs,
    and the same inputs recur across a channel.
    """

    def __init__(self, rules: RuleSet | None = None, resolve: Resolver | None = None,
                 form_text: FormText | None = None) -> None:
        self.rules = rules or load_rules()
        self.resolve = resolve or (lambda name, package: None)
        self.package_named = getattr(resolve, "package_named", None)
        # A resolver over an index may bring its own reader of definitions' text.
        self.form_text = form_text or getattr(resolve, "form_text", None) \
            or (lambda package: None)
        self._memo: dict[int, PackageAudit] = {}
        self._active: dict[int, frozenset[str]] = {}
        self._in_progress: set[int] = set()
        self._keep: list[Package] = []  # keeps ids of memoized packages valid
        self._vendored = self._vendored_patterns(self.rules.facts)
        # Speed only, never results: rules by kind, each rule's prefilter
        # (rules.required_literals) and memos of pure lookups.
        self._by_kind = {kind: self.rules.of_kind(kind)
                         for kind in {r.kind for r in self.rules.rules}}
        self._needs = {id(rule): (required_literals(rule.pattern),
                                  bool(rule.pattern.flags & re.IGNORECASE))
                       for rule in self.rules.rules}
        # Text rules in the order they are applied, and per field the literals
        # whose presence decides which of them are searched (see _text_rules).
        self._text_plan = tuple(
            (rule, field, self._needs[id(rule)][0] if self._needs[id(rule)][1] else None)
            for rule in self._kind("text") for field in rule.fields)
        self._text_literals = {
            field: tuple(dict.fromkeys(literal for _, f, needs in self._text_plan
                                       if f == field for literal in (needs or ())))
            for field in {f for _, f, _ in self._text_plan}}
        # Which steps of the plan each literal found in a field lets through.
        self._text_always = tuple(i for i, (_, _, needs) in enumerate(self._text_plan)
                                  if needs is None)
        self._text_of_field: dict[str, tuple[int, ...]] = {}
        self._text_enabled: dict[str, dict[str, tuple[int, ...]]] = {}
        for i, (_, field, needs) in enumerate(self._text_plan):
            self._text_of_field[field] = self._text_of_field.get(field, ()) + (i,)
            enabled = self._text_enabled.setdefault(field, {})
            for literal in needs or ():
                enabled[literal] = enabled.get(literal, ()) + (i,)
        self._vendored_needs = {id(pattern): required_literals(pattern)
                                for _, pattern in self._vendored}
        fact_patterns = [p for fact in self.rules.facts for p in fact.match]
        self._any_fact = _any_of(fact_patterns)
        # Literals one of which every fact's match contains (all facts ignore case).
        fact_needs: list[Any] = [required_literals(p) for p in fact_patterns]
        self._fact_literals = tuple(dict.fromkeys(s for n in fact_needs for s in n))  \
            if fact_needs and all(n is not None for n in fact_needs) \
            and all(p.flags & re.IGNORECASE for p in fact_patterns) else None
        #: Facts about libraries that download weights at run time (see _fetcher_of).
        self._fetchers = tuple(f for f in self.rules.facts if "fetcher" in f.carries)
        #: Weak training rules a framework among the run-time inputs corroborates.
        self._framework_rules = frozenset(r.id for r in self.rules.rules
                                          if r.framework and not r.deep)
        #: Those only a deep-learning framework corroborates.
        self._deep_rules = frozenset(r.id for r in self.rules.rules if r.framework and r.deep)
        self._fetcher_memo: dict[int, Fact | None] = {}
        self._effective_memo: dict[int, Package] = {}
        self._guarded = False  # set when an answer of _effective met a package in progress
        self._framework_memo: dict[str | None, str | None] = {}
        self._uri_memo: dict[tuple[int, str], bool] = {}
        self._field_memo: dict[tuple[str, str], str | None] = {}
        #: (name, synopsis, description) -> the text rules' matches: _text_matches.
        self._text_found: dict[tuple, tuple[tuple, ...]] = {}
        #: (id(target), field, kind, ref, label) -> plain (verdict, licence): _input_verdict.
        self._plain_verdicts: dict[tuple, tuple[InputVerdict, str | None]] = {}

    @staticmethod
    def _vendored_patterns(facts: Iterable[Fact]) -> list[tuple[Fact, re.Pattern[str]]]:
        patterns = []
        for fact in facts:
            if not fact.vendored:
                continue
            names = "|".join(re.escape(v) for v in fact.vendored)
            # A quoted directory name, not an input lookup nor a package name.
            patterns.append((fact, re.compile(
                r'(?<!input )(?<!inputs )(?<!\(name )"(?:[\w./+-]*/)?(?:%s)/?"' % names)))
            # A build step that takes the project's built library out of an
            # input (search-input-file) to copy or embed it: the weights the
            # library carries end up in this package's output.
            patterns.append((fact, re.compile(
                r'search-input-(?:file|directory)\s+(?:inputs|native-inputs|%%build-inputs)\s+'
                r'"[\w./+-]*/(?:lib)?(?:%s)[\w.+-]*\.(?:so|a)(?:\.[\d.]+)?"' % names)))
        return patterns

    # -- speed helpers (same answers as the plain calls) ----------------------

    def _kind(self, kind: str) -> tuple[Rule, ...]:
        return self._by_kind.get(kind, ())

    def _search(self, rule: Rule, text: str, folded: str | None = None) -> re.Match[str] | None:
        """rule.pattern.search(TEXT), skipped when none of its required literals
        occurs.  FOLDED is TEXT lower-cased when TEXT is ASCII (else None)."""
        needs, ignore_case = self._needs[id(rule)]
        if needs is not None:
            haystack: str | None = text
            if ignore_case:
                if folded is None:
                    folded = text.lower() if text.isascii() else None
                haystack = folded
            if haystack is not None and not any(s in haystack for s in needs):
                return None
        return rule.pattern.search(text)

    def _framework(self, name: str | None) -> str | None:
        memo = self._framework_memo
        if name not in memo:
            memo[name] = self.rules.frameworks.match(name)
        return memo[name]

    def _may_be_fact(self, uri: str) -> bool:
        """Whether any fact's pattern matches URI (literals first, then one regex)."""
        if self._fact_literals is not None and uri.isascii():
            folded = uri.lower()
            if not any(literal in folded for literal in self._fact_literals):
                return False
        return self._any_fact.search(uri) is not None  # type: ignore[union-attr]

    def _fact_matches(self, fact: Fact, uri: str) -> bool:
        key = (id(fact), uri)
        found = self._uri_memo.get(key)
        if found is None:
            found = self._uri_memo[key] = fact.matches(uri)
        return found

    def _field_of(self, form: str, field: str) -> str | None:
        key = (form, field)
        if key not in self._field_memo:
            reader = getattr(self.form_text, "field_form", _field_form)
            self._field_memo[key] = reader(form, field)
        return self._field_memo[key]

    # -- public ------------------------------------------------------------

    def classify(self, package: Package) -> PackageAudit:
        key = id(package)
        found = self._memo.get(key)
        if found is not None:
            return found
        if not self._in_progress:
            # Classify what it depends on first, bottom-up, so that every input is
            # known when its consumer is judged, however long the chains are.
            for dependency in self._dependencies_first(package):
                if id(dependency) not in self._memo:
                    self._classify_one(dependency)
        return self._classify_one(package)

    def _dependencies_first(self, root: Package) -> list[Package]:
        """The packages ROOT's inputs lead to, not yet classified, in post-order."""
        order: list[Package] = []
        seen = {id(root)}
        stack = [(root, iter(self._input_packages(root)))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if node is not root:
                    order.append(node)
                continue
            if id(child) in seen or id(child) in self._memo:
                continue
            seen.add(id(child))
            stack.append((child, iter(self._input_packages(child))))
        return order

    def _input_packages(self, package: Package) -> list[Package]:
        found = []
        parent = self._parent(package)
        if parent is not None:
            found.append(parent)  # its verdict may pass to the variant (_inherited)
        for input_ in self._effective(package).all_inputs():
            if input_.kind == "package" and input_.ref:
                target = self._resolve_input(input_, package)
                if isinstance(target, Package):
                    found.append(target)
        return found

    def _classify_one(self, package: Package) -> PackageAudit:
        key = id(package)
        found = self._memo.get(key)
        if found is not None:
            return found
        self._in_progress.add(key)
        try:
            audit, active = self._classify(package)
        finally:
            self._in_progress.discard(key)
        self._memo[key] = audit
        self._active[key] = active
        self._keep.append(package)
        return audit

    def active(self, package: Package) -> frozenset[str]:
        """Every conclusion that held for PACKAGE, before precedence picked one."""
        self.classify(package)
        return self._active.get(id(package), frozenset())

    # -- the steps ----------------------------------------------------------

    def _classify(self, original: Package) -> tuple[PackageAudit, frozenset[str]]:
        package = self._effective(original)
        rules = self.rules
        threshold = rules.threshold
        scores = _Scores()
        location = package.location

        arguments_text, snippet_text = self._code_texts(original)
        referenced = self._referenced(package, arguments_text + "\n" + snippet_text)
        constants_text = "\n".join(datum_text(v) for _, v in referenced
                                   if not isinstance(v, (Origin, Package)))

        self._text_rules(package, scores)
        self._install_rules(package, arguments_text, scores)
        self._build_rules(arguments_text, snippet_text, scores)
        self._vendored_rules(snippet_text, arguments_text, constants_text, scores, location)
        source_facts = self._source_rules(package, scores)

        # Inputs: package references, inline origins, origins named in build code.
        verdicts: list[InputVerdict] = []
        weight_labels: list[str] = []
        weight_licences: list[str | None] = []
        wired = self._wired_inputs(package, arguments_text)
        for input_ in package.all_inputs():
            verdict, licence = self._input_verdict(package, input_, wired, scores)
            verdicts.append(verdict)
            if verdict.cls == "weights":
                weight_labels.append(verdict.label or verdict.ref or "?")
                weight_licences.append(licence)
        for name, value in referenced:
            if isinstance(value, Origin):
                verdict, licence = self._origin_verdict(value, "arguments", name, name)
                verdicts.append(verdict)
                if verdict.cls == "weights":
                    weight_labels.append(name)
                    weight_licences.append(licence)
        for verdict in verdicts:
            if verdict.cls == "weights":
                for ev in verdict.evidence:
                    scores.add("separate", verdict.confidence, ev)
        framework = next((v for v in verdicts if v.cls == "training-software"
                          and v.field in _RUNTIME_FIELDS), None)
        fetched = {f"fact.{f.id}" for f in self._fetchers}
        fetched.add("propagate.runner-input")
        if framework is not None and any(e.rule not in fetched for _, e in
                                         scores.evidence.get("external", ())):
            # Weak: code built on a deep-learning framework that a text rule
            # already suspects of running models (corroboration only).
            scores.add("external", _FRAMEWORK_RUNTIME_CONFIDENCE, Evidence(
                rule="propagate.framework-runtime", field=framework.field,
                matched=framework.label or framework.ref or "",
                note="runs on a machine-learning framework at run time (weak)",
                location=package.location))
        deep = next((v for v in verdicts if v.cls == "training-software"
                     and v.field in _RUNTIME_FIELDS
                     and self._framework(v.label or v.ref) in self.rules.frameworks.deep),
                    None) if self._deep_rules else None
        if framework is not None and deep is not None \
                and not any(e.rule in self._framework_rules
                            for _, e in scores.evidence.get("training", ())):
            framework = deep  # the deep-learning framework is the one that corroborates
        if framework is not None and any(
                e.rule in self._framework_rules or (deep is not None and e.rule in self._deep_rules)
                for _, e in scores.evidence.get("training", ())):
            # Weak: a text rule suspects a model library, and it is built on a
            # framework that trains what it defines.
            scores.add("training", _FRAMEWORK_TRAINING_CONFIDENCE, Evidence(
                rule="propagate.framework-runtime", field=framework.field,
                matched=framework.label or framework.ref or "",
                note="defines its models on a machine-learning framework at run time (weak)",
                location=package.location))

        # Payload: a package that builds no code is a model, else weights are tangled.
        payload_is_model = package.build_system in PAYLOAD_BUILD_SYSTEMS
        if "payload" in scores.evidence and "payload" not in scores.vetoed:
            target = "model" if payload_is_model else "tangled"
            for confidence, ev in scores.evidence["payload"]:
                scores.add(target, confidence, ev)

        active = frozenset(c for c in ("model", "separate", "tangled", "external", "training")
                           if scores.holds(c, threshold))
        role = next((r for r in PRECEDENCE if r in active), "none")

        training = "training" in active
        source_verdict = self._source_verdict(package, role, scores)
        if source_verdict is not None:
            verdicts.insert(0, source_verdict)

        licence = None
        if role in ("model", "tangled"):
            fact_licences = [f.weights_license for f in source_facts
                             if "weights" in f.carries and f.weights_license]
            licence = fact_licences[0] if role == "tangled" and fact_licences \
                else _package_spdx(package)
        elif role == "separate":
            licence = _combine(weight_licences)
        fsf, osi = _flags(licence)

        evidence: list[Evidence] = []
        if role != "none":
            evidence.extend(scores.reasons(role))
        if training:
            evidence.extend(scores.reasons("training"))
        for conclusion, veto in scores.vetoed.items():
            evidence.append(veto)
        evidence = list({(e.rule, e.field, e.matched): e for e in evidence}.values())
        near_misses = tuple(
            NearMiss(conclusion=c, score=round(scores.score(c), 3), threshold=threshold,
                     evidence=scores.reasons(c), vetoed_by=scores.vetoed.get(c))
            for c in ("model", "separate", "tangled", "external", "training")
            if c not in active and (scores.evidence.get(c) or c in scores.vetoed))
        audit = PackageAudit(
            package=original,
            weights=role,
            training_software=training,
            weight_inputs=tuple(dict.fromkeys(weight_labels)) if role == "separate" else (),
            weights_license=licence,
            weights_license_fsf_libre=fsf,
            weights_license_osi_approved=osi,
            confidence=round(scores.score(role), 3) if role != "none"
            else round(1.0 - max((scores.score(r) for r in PRECEDENCE), default=0.0), 3),
            inputs=tuple(verdicts),
            evidence=tuple(evidence),
            near_misses=near_misses,
        )
        audit, active = self._inherited(original, audit, active, scores)
        audit = self._apply_properties(original, audit)
        return self._located(original, audit), active

    def _writer(self, package: Package, field: str) -> Package:
        """The package whose definition holds the text of PACKAGE's FIELD (an
        evidence field): PACKAGE itself, or the ancestor it inherits it from."""
        owner = package
        for _ in range(8):  # as deep as _code_texts looks for inherited code
            parent = self._parent(owner)
            if parent is None:
                break
            if field in _CODE_FIELDS:
                written = (owner.arguments is not None or owner.field_span("arguments")
                           or self._field_of(self.form_text(owner) or "", "arguments"))
                if written:
                    break
            elif field == "snippet":
                if (owner.source is not None and owner.source != parent.source) \
                        or self._field_of(self.form_text(owner) or "", "snippet"):
                    break
            else:
                attribute = _TEXT_FIELDS.get(field)
                if attribute is None or getattr(owner, attribute) != getattr(parent, attribute):
                    break
            owner = parent
        return owner

    def _located(self, package: Package, audit: PackageAudit) -> PackageAudit:
        """AUDIT with the evidence whose text PACKAGE inherits located at the
        definition that holds it (the parent's file and line), not the child's."""
        if not package.inherit:
            return audit
        changed = False
        evidence = []
        for item in audit.evidence:
            if item.field in _TEXT_FIELDS or item.field in _CODE_FIELDS \
                    or item.field == "snippet":
                if item.location is None or item.location is package.location:
                    owner = self._writer(package, item.field)
                    if owner is not package and owner.location is not None:
                        item = attrs.evolve(item, location=owner.location)
                        changed = True
            evidence.append(item)
        return attrs.evolve(audit, evidence=tuple(evidence)) if changed else audit

    def _parent(self, package: Package) -> Package | None:
        """The package PACKAGE inherits, when it resolves to another package."""
        if not package.inherit:
            return None
        parent = self.resolve(package.inherit, package)
        return parent if isinstance(parent, Package) and parent is not package else None

    def _inherited(self, package: Package, audit: PackageAudit, active: frozenset[str],
                   scores: _Scores) -> tuple[PackageAudit, frozenset[str]]:
        """A variant with its parent's source keeps the parent's verdict.

        Variants (``-cuda``, ``-with-cuda11``…) often reword their description,
        so their own text no longer says what the parent's did; the weights
        and the training code come with the source, which they share.  The
        parent's role (``model``, ``tangled``, ``external``; not ``separate``,
        which the variant's own inputs decide) and training flag carry over,
        with the parent's evidence and one piece pointing at its definition,
        unless the variant's own source differs or its own fields veto that
        conclusion.  An annotation of the variant still wins (applied after).
        """
        parent = self._parent(package)
        if parent is None or id(parent) in self._in_progress:
            return audit, active
        if package.source is not None and package.source != parent.source:
            return audit, active  # its own source: its own verdict
        parent_build = self._effective(parent).build_system
        if package.build_system is not None and parent_build is not None \
                and package.build_system != parent_build:
            return audit, active  # another build of the tree (documentation, data...)
        if id(parent) not in self._memo and len(self._in_progress) >= _MAX_DEPTH:
            return audit, active
        mine = self.classify(parent)
        role = audit.weights
        inherit_role = mine.weights if mine.weights in ("model", "tangled", "external") \
            and mine.weights not in scores.vetoed \
            and PRECEDENCE.index(mine.weights) < (PRECEDENCE.index(role) if role in PRECEDENCE
                                                  else len(PRECEDENCE)) else None
        if role == "separate":
            inherit_role = None  # the variant's own weight inputs decide
        inherit_training = mine.training_software and not audit.training_software \
            and "training" not in scores.vetoed
        if inherit_role is None and not inherit_training:
            return audit, active
        link = Evidence(
            rule="inherit.parent-verdict", field="inherit", matched=parent.variable or parent.name or "",
            note=f"inherits {parent.name} with the same source and keeps its verdict"
                 f" ({', '.join(x for x in (inherit_role, 'training software' if inherit_training else None) if x)})",
            location=parent.location)
        kept = [e for e in mine.evidence if e.rule != "properties.ml-weights"]
        changes: dict[str, Any] = {}
        new_active = set(active)
        if inherit_role is not None:
            new_active.add(inherit_role)
            changes.update(weights=inherit_role, weight_inputs=(),
                           weights_license=mine.weights_license,
                           weights_license_fsf_libre=mine.weights_license_fsf_libre,
                           weights_license_osi_approved=mine.weights_license_osi_approved,
                           confidence=mine.confidence)
        if inherit_training:
            new_active.add("training")
            changes["training_software"] = True
        evidence = [link] + kept + [e for e in audit.evidence if role != "none" or e.rule.startswith("veto.")]
        if role != "none":
            evidence = [e for e in audit.evidence] + [link] + kept
        changes["evidence"] = tuple({(e.rule, e.field, e.matched): e for e in evidence}.values())
        changes["near_misses"] = tuple(m for m in audit.near_misses
                                       if m.conclusion not in new_active)
        return attrs.evolve(audit, **changes), frozenset(new_active)

    def _code_texts(self, package: Package, depth: int = 0) -> tuple[str, str]:
        """The text of PACKAGE's build arguments and source snippet, inherited if unset.

        Taken from the model when static evaluation kept them, else cut out of
        the text of the package's form (``form_text``).
        """
        arguments = datum_text(package.arguments) if package.arguments is not None else None
        snippet = None
        if package.source is not None and package.source.snippet is not None:
            snippet = datum_text(package.source.snippet)
        if arguments is None or snippet is None:
            form = self.form_text(package) or ""
            if arguments is None:
                span = package.field_span("arguments") if package.span else None
                if span is not None and form:
                    # Where the index saw the field: no need to look for it.
                    start = package.span[0]  # type: ignore[index]
                    arguments = form[span[0] - start:span[1] - start]
                else:
                    arguments = self._field_of(form, "arguments")
            if snippet is None:
                snippet = self._field_of(form, "snippet")
        if (not arguments or not snippet) and package.inherit and depth < 8:
            parent = self.resolve(package.inherit, package)
            if isinstance(parent, Package):
                parent_arguments, parent_snippet = self._code_texts(parent, depth + 1)
                arguments = arguments or parent_arguments
                if not snippet and (package.source is None or parent.source == package.source):
                    snippet = parent_snippet
        return arguments or "", snippet or ""

    def _effective(self, package: Package) -> Package:
        """PACKAGE with the fields it leaves unset taken from the package it inherits."""
        if not package.inherit:
            return package
        found = self._effective_memo.get(id(package))
        if found is not None:
            return found
        self._guarded = False
        effective = self._effective_of(package)
        if not self._guarded:  # the answer did not depend on what is in progress
            self._effective_memo[id(package)] = effective
            self._keep.append(package)
        return effective

    def _effective_of(self, package: Package, seen: frozenset[int] = frozenset()) -> Package:
        if not package.inherit:
            return package
        parent = self.resolve(package.inherit, package)
        if isinstance(parent, Package) and id(parent) in self._in_progress:
            self._guarded = True
        if not isinstance(parent, Package) or id(parent) in self._in_progress \
                or id(parent) in seen or parent is package or len(seen) >= _MAX_DEPTH:
            return package  # no parent, or a loop of inherits (a name resolving to itself)
        parent = self._effective_of(parent, seen | {id(package)})
        changes = {}
        for name in ("source", "build_system", "arguments", "synopsis", "description",
                     "home_page", "licenses"):
            if getattr(package, name) in (None, ()) and getattr(parent, name) not in (None, ()):
                changes[name] = getattr(parent, name)
        if not changes:
            return package
        import attrs
        return attrs.evolve(package, **changes)

    def _referenced(self, package: Package, code: str) -> list[tuple[str, Any]]:
        """Origins and module constants that build code names (#$x, ,x, (snippet x)).

        Constants are followed one level further, for snippets kept in a
        module-level variable that name a list of preserved directories.
        """
        input_names = {i.ref for i in package.all_inputs() if i.ref}
        seen: dict[str, Any] = {}
        pending = [(code, 0)]
        while pending:
            text, depth = pending.pop()
            for m in _CODE_REFERENCE.finditer(text):
                name = m.group("name") or m.group("bare")
                if name in seen or name in input_names or name in _NOT_REFERENCES:
                    continue
                value = self.resolve(name, package)
                if value is None or isinstance(value, Package):
                    seen[name] = None
                    continue
                seen[name] = value
                if depth < 2 and not isinstance(value, Origin):
                    pending.append((datum_text(value), depth + 1))
        return [(n, v) for n, v in seen.items() if v is not None]

    def _apply(self, rule: Rule, field: str, text: str, scores: _Scores,
               location: Any = None, folded: str | None = None) -> bool:
        match = self._search(rule, text, folded)
        if match is None:
            return False
        self._record(rule, field, text, match, scores, location)
        return True

    def _record(self, rule: Rule, field: str, text: str, match: Any,
                scores: _Scores, location: Any) -> None:
        evidence = Evidence(rule=rule.id, field=field, matched=_snippet(text, match),
                            note=rule.description, location=location)
        if rule.vetoes:
            for conclusion in rule.vetoes:
                scores.vetoed.setdefault(conclusion, evidence)
        if rule.suggests == "wrapper":
            self._wrapped(match.group("name"), rule, evidence, scores,
                          text[match.end():match.end() + 40])
        elif rule.suggests != "none":
            scores.add(rule.suggests, rule.confidence, evidence)

    def _wrapped(self, name: str, rule: Rule, evidence: Evidence, scores: _Scores,
                 after: str = "") -> None:
        """A wrapper of NAME is a runner when a package so named is one, and
        training software when NAME is a known framework (an interface to Keras,
        not to "TensorFlow Datasets": AFTER, the text after the name, must not
        go on with another capitalised part of the project's name)."""
        if not name:
            return
        base = name.lower().strip(".")
        framework = self._framework(base)
        if framework and not _NAME_GOES_ON.match(after):
            scores.add("training", rule.confidence, attrs.evolve(
                evidence, note=f"{rule.description}: an interface to the {framework} "
                               "framework (known-frameworks.toml)"))
        if self.package_named is None:
            return
        # Guix spells a project's dots and underscores as dashes (llama.cpp: llama-cpp).
        dashed = re.sub(r"[._]", "-", base)
        stems = tuple(dict.fromkeys((base, dashed)))
        for candidate in dict.fromkeys(c for stem in stems for c in (
                stem, f"python-{stem}", f"r-{stem}", f"{stem}-api")):
            target = self.package_named(candidate)
            if target is None or id(target) in self._in_progress:
                continue
            self.classify(target)
            if "external" in self._active.get(id(target), ()):
                scores.add("external", rule.confidence, attrs.evolve(
                    evidence, note=f"{rule.description}: {target.name} needs weights "
                                   "Guix does not provide"))
                return

    def _text_rules(self, package: Package, scores: _Scores) -> None:
        key = (package.name, package.synopsis, package.description)
        found = self._text_found.get(key)
        if found is None:
            found = self._text_found[key] = self._text_matches(*key)
        plan = self._text_plan
        for step, text, start, end, name in found:
            rule, field, _ = plan[step]
            self._record(rule, field, text, _Found(start, end, name), scores,
                         package.location)
        framework = self._framework(package.name)
        if framework:
            scores.add("training", 0.9, Evidence(
                rule="framework.name", field="name", matched=package.name or "",
                note=f"a build of the {framework} framework (known-frameworks.toml)",
                location=package.location))

    def _text_matches(self, name: str | None, synopsis: str | None,
                      description: str | None) -> tuple[tuple, ...]:
        """The text rules that match these fields, in the plan's order, as
        (step, text, start, end, name group): a pure function of the three
        texts, so it can be computed ahead, in another process (prefetch)."""
        values = {}
        for field, text in (("name", name), ("synopsis", synopsis),
                            ("description", description)):
            if text:
                text = " ".join(text.split())
                folded = text.lower() if text.isascii() else None
                # Which rules' required literals occur, all at once (see _search).
                present = frozenset(literal for literal in self._text_literals.get(field, ())
                                    if literal in folded) if folded is not None else None
                values[field] = (text, present)
        # Only the steps some literal lets through, in the plan's order.
        steps = set(self._text_always)
        for field, (_, present) in values.items():
            if present is None:
                steps.update(self._text_of_field.get(field, ()))
            else:
                enabled = self._text_enabled.get(field, {})
                for literal in present:
                    steps.update(enabled[literal])
        plan = self._text_plan
        found = []
        for step in sorted(steps):
            rule, field, needs = plan[step]
            value = values.get(field)
            if not value:
                continue
            text, present = value
            if needs is not None and present is not None:
                if present.isdisjoint(needs):
                    continue
                match = rule.pattern.search(text)
            else:
                match = self._search(rule, text)
            if match is not None:
                found.append((step, text, match.start(), match.end(),
                              match.groupdict().get("name")))
        return tuple(found)

    def prefetch(self, packages: Iterable[Package]) -> dict:
        """Compute ahead what classifying PACKAGES needs that depends on each
        package's own texts alone (the text rules' matches), and return it in
        the plain form :meth:`add_prefetched` takes: so another process can do
        it for a share of the packages.  Results never change: only work moves."""
        found = self._text_found
        for package in packages:
            effective = self._effective(package)
            key = (effective.name, effective.synopsis, effective.description)
            if key not in found:
                found[key] = self._text_matches(*key)
        return found

    def add_prefetched(self, found: dict) -> None:
        """Take what :meth:`prefetch` computed (possibly in another process)."""
        for key, matches in found.items():
            self._text_found.setdefault(key, tuple(tuple(m) for m in matches))

    def _install_rules(self, package: Package, arguments_text: str, scores: _Scores) -> None:
        if not arguments_text:
            return
        fields = {"install-plan": _keyword_text(package.arguments, arguments_text, "install-plan"),
                  "builder": _keyword_text(package.arguments, arguments_text, "builder")}
        for rule in self._kind("install"):
            for field in rule.fields:
                if fields.get(field):
                    self._apply(rule, field, fields[field], scores, package.location)

    def _build_rules(self, arguments_text: str, snippet_text: str, scores: _Scores) -> None:
        fields = {"arguments": arguments_text, "snippet": snippet_text}
        for rule in self._kind("build"):
            for field in rule.fields:
                if fields.get(field):
                    self._apply(rule, field, fields[field], scores)

    def _vendored_rules(self, snippet_text: str, arguments_text: str, constants_text: str,
                        scores: _Scores, location: Any) -> None:
        for fact, pattern in self._vendored:
            needs = self._vendored_needs[id(pattern)]
            for field, text in (("snippet", snippet_text), ("arguments", arguments_text),
                                ("arguments", constants_text)):
                if text and needs is not None and not any(n in text for n in needs):
                    continue  # none of the directory names occurs: no match possible
                match = pattern.search(text) if text else None
                if match:
                    scores.add("tangled", 0.9, Evidence(
                        rule=f"vendored.{fact.id}", field=field, matched=_snippet(text, match),
                        note=f"keeps or builds a vendored copy of {fact.id} "
                             f"({', '.join(fact.files)}); {fact.citation}",
                        location=location))
                    break

    def _origin_evidence(self, origin: Origin, field: str) -> tuple[list[tuple[float, str, Evidence]], list[Fact]]:
        """(confidence, conclusion, evidence) for ORIGIN's URIs, and the facts that apply."""
        found: list[tuple[float, str, Evidence]] = []
        facts: list[Fact] = []
        values = {"uri": list(origin.uris), "file-name": [origin.file_name] if origin.file_name else []}
        for rule in self._kind("origin"):
            for f in rule.fields:
                for text in values.get(f, ()):
                    if not isinstance(text, str):
                        continue
                    m = self._search(rule, text)
                    if m:
                        found.append((rule.confidence, rule.suggests, Evidence(
                            rule=rule.id, field=field, matched=text, note=rule.description,
                            location=origin.location)))
                        break
        if self._any_fact is not None and not any(
                isinstance(u, str) and self._may_be_fact(u) for u in origin.uris):
            return found, facts  # no fact's pattern matches any of its URIs
        for fact in self.rules.facts:
            uri = next((u for u in origin.uris
                        if isinstance(u, str) and self._fact_matches(fact, u)), None)
            if uri is None:
                continue
            facts.append(fact)
            for carried, conclusion in (("weights", "weights"), ("runner", "external"),
                                        ("trainer", "training")):
                if carried in fact.carries:
                    where = f" ({', '.join(fact.files)})" if carried == "weights" and fact.files else ""
                    found.append((0.9, conclusion, Evidence(
                        rule=f"fact.{fact.id}", field=field, matched=uri,
                        note=f"upstream fact: {fact.note}{where}; {fact.citation}",
                        location=origin.location)))
        return found, facts

    def _source_rules(self, package: Package, scores: _Scores) -> list[Fact]:
        if package.source is None:
            return []
        found, facts = self._origin_evidence(package.source, "source")
        payload_is_model = package.build_system in PAYLOAD_BUILD_SYSTEMS
        for confidence, conclusion, evidence in found:
            if conclusion == "weights":
                # A weight file or model host as the source is the package's payload;
                # an upstream fact about its tree makes the weights tangled.
                if evidence.rule.startswith("fact."):
                    conclusion = "model" if payload_is_model else "tangled"
                else:
                    conclusion = "model"
            scores.add(conclusion, confidence, evidence)
        return facts

    def _source_verdict(self, package: Package, role: str, scores: _Scores) -> InputVerdict | None:
        if package.source is None:
            return None
        if role in ("model", "tangled"):
            cls, conf, ev = "weights", scores.score(role), scores.reasons(role)
        elif "training" in scores.evidence and scores.holds("training", self.rules.threshold):
            cls, conf, ev = "training-software", scores.score("training"), scores.reasons("training")
        else:
            cls, conf, ev = "code", 0.9, ()
        return InputVerdict(field="source", kind="origin", ref=None, label="source",
                            cls=cls, confidence=round(conf, 3), evidence=tuple(ev))

    def _wired_inputs(self, package: Package, arguments_text: str) -> dict[str, Evidence]:
        """Inputs whose trained data the build code wires in, by the name it uses."""
        wired: dict[str, Evidence] = {}
        folded = arguments_text.lower() if arguments_text.isascii() else None
        for rule in self._kind("wired-path"):
            if self._search(rule, arguments_text, folded) is None:
                continue  # no match at all: skip the scan (same answer)
            for match in rule.pattern.finditer(arguments_text):
                window = arguments_text[max(0, match.start() - _WINDOW):match.start()]
                refs = list(_INPUT_REFERENCE.finditer(window))
                if not refs:
                    continue
                last = refs[-1]
                name = last.group("quoted") or last.group("assoc") or last.group("ungexp")
                wired.setdefault(name, Evidence(
                    rule=rule.id, field="arguments",
                    matched=_snippet(arguments_text, match, 80),
                    note=rule.description, location=package.location))
        return wired

    def _input_verdict(self, package: Package, input_: Input, wired: dict[str, Evidence],
                       scores: _Scores) -> tuple[InputVerdict, str | None]:
        if input_.kind == "origin" and input_.origin is not None:
            return self._origin_verdict(input_.origin, input_.field, input_.ref, input_.label)
        target = None
        if input_.kind == "package" and input_.ref:
            target = self._resolve_input(input_, package)
        if isinstance(target, Origin):
            return self._origin_verdict(target, input_.field, input_.ref, input_.label)
        if self._fetchers and isinstance(target, Package) \
                and input_.field in _RUNTIME_FIELDS:
            fetcher = self._fetcher_of(target)
            if fetcher is not None:
                scores.add("external", _FETCHER_CONFIDENCE, Evidence(
                    rule=f"fact.{fetcher.id}", field=input_.field,
                    matched=input_.label or input_.ref or "",
                    note=f"input {target.name} downloads trained weights at run time "
                         f"(upstream fact: {fetcher.note}; {fetcher.citation})",
                    location=input_.location))
        # The same input of the same package recurs across a channel (pkg-config
        # among the native inputs of thousands): once its target is classified
        # and wires nothing here, its plain verdict is the same every time.
        plain_key = None
        if not wired and isinstance(target, Package) and id(target) in self._memo \
                and "external" not in self._active.get(id(target), ()):
            plain_key = (id(target), input_.field, input_.kind, input_.ref, input_.label)
            found = self._plain_verdicts.get(plain_key)
            if found is not None:
                return found
        evidence: list[Evidence] = []
        cls, confidence, licence = "code", 0.9, None
        if wired:  # most packages wire nothing in
            names = {n for n in (input_.ref, input_.label,
                                 target.name if isinstance(target, Package) else None) if n}
            for name in names:
                if name in wired:
                    cls, confidence = "weights", 0.9
                    evidence.append(wired[name])
                    break
        if isinstance(target, Package) and id(target) not in self._in_progress and (
                id(target) in self._memo or len(self._in_progress) < _MAX_DEPTH):
            audit = self.classify(target)
            active = self._active.get(id(target), frozenset())
            if audit.weights == "model":
                cls, confidence = "weights", max(confidence if cls == "weights" else 0, 0.95)
                evidence.append(Evidence(
                    rule="propagate.model-input", field=input_.field,
                    matched=input_.label or input_.ref or "",
                    note=f"input {target.name} is itself a weights package (ml-weights model)",
                    location=input_.location))
                licence = audit.weights_license
            elif cls == "weights":
                licence = audit.weights_license if audit.weights in ("tangled", "separate") \
                    else _package_spdx(target)
            if cls == "code" and (audit.training_software or
                                  self._framework(target.name)):
                cls, confidence = "training-software", 0.85
                evidence.append(Evidence(
                    rule="propagate.training-input", field=input_.field,
                    matched=input_.label or input_.ref or "",
                    note=f"input {target.name} is training software"))
            if "external" in active and _names(package, target):
                why = {"propagated-inputs": "propagates"}.get(
                    input_.field, "is a thin wrapper around"
                    if package.build_system == "trivial-build-system" else "is built on")
                scores.add("external", 0.85, Evidence(
                    rule="propagate.external-runner", field=input_.field,
                    matched=input_.label or input_.ref or "",
                    note=f"the package {why} {target.name}, which needs weights Guix "
                         "does not provide", location=input_.location))
            elif "external" in active and input_.field in _RUNTIME_FIELDS:
                scores.add("external", _RUNNER_INPUT_CONFIDENCE, Evidence(
                    rule="propagate.runner-input", field=input_.field,
                    matched=input_.label or input_.ref or "",
                    note=f"input {target.name} runs weights Guix does not provide (weak: "
                         "the package's own text or a weight-fetching input must "
                         "corroborate it)", location=input_.location))
        elif cls == "code" and self._framework(input_.label or input_.ref):
            cls, confidence = "training-software", 0.8
            evidence.append(Evidence(rule="framework.input", field=input_.field,
                                     matched=input_.label or input_.ref or "",
                                     note="a known framework (known-frameworks.toml)"))
        verdict = InputVerdict(field=input_.field, kind=input_.kind, ref=input_.ref,
                               label=input_.label, cls=cls, confidence=round(confidence, 3),
                               evidence=tuple(evidence))
        if plain_key is not None and not evidence:
            self._plain_verdicts[plain_key] = (verdict, licence)
        return verdict, licence

    def _fetcher_of(self, target: Package) -> Fact | None:
        """The fact saying TARGET's source downloads weights at run time, if any."""
        key = id(target)
        if key not in self._fetcher_memo:
            source = self._effective(target).source
            uris = [u for u in (source.uris if source is not None else ()) if isinstance(u, str)]
            self._fetcher_memo[key] = next(
                (f for f in self._fetchers for u in uris if self._fact_matches(f, u)), None)
            self._keep.append(target)
        return self._fetcher_memo[key]

    def _resolve_input(self, input_: Input, package: Package) -> Any:
        if input_.module:
            try:
                found = self.resolve(input_.ref, package, input_.module)  # type: ignore[call-arg]
            except TypeError:  # a two-argument resolver
                found = None
            if found is not None:
                return found
        return self.resolve(input_.ref, package)

    def _origin_verdict(self, origin: Origin, field: str, ref: str | None,
                        label: str | None) -> tuple[InputVerdict, str | None]:
        found, facts = self._origin_evidence(origin, field)
        weights = _Scores()
        for confidence, conclusion, evidence in found:
            if conclusion == "weights":
                weights.add("weights", confidence, evidence)
        score = weights.score("weights")
        licence = next((f.weights_license for f in facts
                        if "weights" in f.carries and f.weights_license), None)
        if score >= self.rules.threshold - 1e-9:
            return InputVerdict(field=field, kind="origin", ref=ref, label=label, cls="weights",
                                confidence=round(score, 3),
                                evidence=weights.reasons("weights")), licence
        return InputVerdict(field=field, kind="origin", ref=ref, label=label, cls="code",
                            confidence=round(1.0 - score, 3) if score else 0.9,
                            evidence=weights.reasons("weights")), None

    def _inherited_annotation_of_other_source(self, package: Package) -> bool:
        """Whether PACKAGE's annotation comes from the parent it inherits (it
        writes no ``properties`` field of its own) while its own source differs:
        the parent's annotation judged the parent's source, not this one (an
        older release without the weights, say), so the variant is judged on
        its own.  Known only when the index recorded the written fields."""
        if not package.inherit or not package.field_spans or package.source is None:
            return False
        if package.field_span("properties") is not None:
            return False
        parent = self._parent(package)
        return parent is not None and parent.source is not None \
            and parent.source != package.source

    def _apply_properties(self, package: Package, audit: PackageAudit) -> PackageAudit:
        """An ``ml-weights`` annotation already on the package wins over heuristics."""
        role = _symbol_name(package.property("ml-weights"))
        if role not in _PROPERTY_ROLES:
            return audit
        if self._inherited_annotation_of_other_source(package):
            return audit
        import attrs
        inputs = package.property("ml-weight-inputs")
        names = tuple(n for n in (_symbol_name(x) for x in (inputs or ())) if n) \
            if isinstance(inputs, (list, tuple)) else audit.weight_inputs
        licence = package.property("ml-weights-license", audit.weights_license)
        licence = licence if isinstance(licence, str) and not isinstance(licence, Symbol) \
            else (None if licence is False or _symbol_name(licence) == "unknown"
                  else audit.weights_license)
        fsf, osi = _flags(licence)
        return attrs.evolve(
            audit, weights=role, weight_inputs=names if role == "separate" else (),
            weights_license=licence, weights_license_fsf_libre=fsf,
            weights_license_osi_approved=osi, confidence=1.0, from_properties=True,
            evidence=(Evidence(rule="properties.ml-weights", field="properties",
                               matched=f"(ml-weights . {role})",
                               note="an existing annotation wins over every heuristic",
                               location=package.location),) + audit.evidence)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names(package: Package, target: Package) -> bool:
    """Whether PACKAGE's synopsis or description names TARGET (a front-end of it).

    Only then does a runner it propagates or wraps make it a runner too:
    depending on one is not enough (labelling rule 8).
    """
    text = _squash(" ".join(t for t in (package.synopsis, package.description) if t))
    name = (target.name or "").lower()
    for prefix in ("python-", "r-", "ruby-", "perl-", "go-", "rust-", "emacs-", "ghc-"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    # The whole name, or a distinctive part of it ("vosk" of vosk-api or gst-vosk).
    cores = {_squash(name)}
    cores.update(_squash(part) for part in name.split("-")
                 if len(part) >= 4 and part not in _GENERIC_NAME_PARTS)
    return any(len(core) >= 3 and core in text for core in cores)


#: Parts of package names that say nothing about which project it is.
_GENERIC_NAME_PARTS = frozenset({
    "python", "plugin", "plugins", "server", "client", "tools", "utils", "data",
    "common", "core", "minimal", "next", "wrapper", "bindings", "gstreamer", "runtime",
    "library", "devel", "static", "model", "models", "speech", "text"})


# ------------------------------------------------------------ licences --

def _symbol_name(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if isinstance(value, (Symbol, str)):
        return str(value)
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else None


def _package_spdx(package: Package) -> str | None:
    ids: list[str] = []
    for ref in package.licenses:
        spdx = _spdx_for(ref.name)
        if spdx is None:
            return None
        ids.append(spdx)
    if not ids:
        return None
    ids = list(dict.fromkeys(ids))
    return ids[0] if len(ids) == 1 else " AND ".join(
        f"({i})" if " " in i else i for i in ids)


def _spdx_for(variable: str | None) -> str | None:
    if not variable:
        return None
    try:
        from guixml.classify.licenses import spdx_for_guix
    except ImportError:  # licence table not available: say unknown, never guess
        return None
    try:
        return spdx_for_guix(variable)
    except Exception:
        return None


def _combine(licences: list[str | None]) -> str | None:
    if not licences or any(l is None for l in licences):
        return None
    unique = list(dict.fromkeys(l for l in licences if l))
    return unique[0] if len(unique) == 1 else " AND ".join(
        f"({l})" if " " in l else l for l in unique)


def _flags(licence: str | None) -> tuple[bool | None, bool | None]:
    if not licence:
        return None, None
    try:
        from guixml.classify.licenses import spdx_flags
        return spdx_flags(licence)
    except Exception:
        return None, None


# ------------------------------------------------------------- entry points --

def classify_package(package: Package, rules: RuleSet | None = None,
                     resolve: Resolver | None = None) -> PackageAudit:
    """The audit of PACKAGE; RESOLVE looks up the variables it names (see module doc)."""
    return Classifier(rules, resolve).classify(package)


def index_resolver(index: Any) -> Resolver:
    """A resolver over a :class:`guixml.index.channel.ChannelIndex`.

    It carries ``form_text`` (:func:`index_form_text`), which :class:`Classifier`
    uses when it is not given one.  Packages come back as model packages; origins as model origins when the
    index can convert them; other definitions as their source datum (whose
    ``text`` the classifier reads), else their evaluated value.
    """
    from guixml.evaluate.values import GlobalRef

    cache: dict[tuple[str, str], Any] = {}

    def resolve(name: str, package: Package, module: str | None = None) -> Any:
        key = (module or package.module, name)
        if key in cache:
            return cache[key]
        cache[key] = None  # guards against cycles
        value = None
        try:
            where = (module, name) if module else index.resolve(GlobalRef(package.module, name))
            if where is not None:
                value = index.package(*where)
                if value is None and not module:
                    value = _definition(index, where)
        except Exception:
            value = None
        cache[key] = value
        return value

    by_name: dict[str, int] = {}

    def package_named(name: str) -> Package | None:
        from guixml.index.packed import package_head
        packages = index.packages()
        if not by_name:
            for i in range(len(packages)):
                _, _, package_name, _, hidden = package_head(packages, i)
                if package_name and not hidden:
                    by_name.setdefault(package_name, i)
        found = by_name.get(name)
        return None if found is None else packages[found]

    resolve.form_text = index_form_text(index)  # type: ignore[attr-defined]
    resolve.package_named = package_named  # type: ignore[attr-defined]
    return resolve


def _definition(index: Any, where: tuple[str, str]) -> Any:
    """A non-package definition: an Origin when it is one, else its source datum."""
    try:
        value = index.definition_value(*where)
    except Exception:
        value = None
    if value is not None and type(value).__name__ == "OriginValue":
        try:
            from guixml.index.link import origin_model  # the index's own origin conversion
            return origin_model(index, where[0], index.summary(where[0]).file, value)
        except Exception:
            pass
    try:
        return index._expression(index.summary(where[0]), where[1])
    except Exception:
        return value if isinstance(value, (list, tuple)) else None


def index_form_text(index: Any) -> FormText:
    """The source text of each package's ``(package …)`` form, read from its file."""
    texts: dict[str, str | None] = {}

    def load(relative: str) -> str | None:
        if relative in texts:
            return texts[relative]
        found = None
        entry = getattr(index, "files", {}).get(relative)
        paths = [entry.path] if entry is not None else []
        import os
        paths += [os.path.join(root, relative) for root in getattr(index, "roots", ())]
        for path in paths:
            try:
                with open(path, encoding="utf-8") as f:
                    found = f.read()
                break
            except OSError:
                continue
        texts[relative] = found
        return found

    line_starts: dict[str, list[int]] = {}

    def starts_of(relative: str, text: str) -> list[int]:
        """Where each line of TEXT starts (only forms without a span need them)."""
        starts = line_starts.get(relative)
        if starts is None:
            # From line lengths, all in C: 0, then each start + len + 1.
            starts = list(itertools.accumulate(
                map(_PLUS_ONE, map(len, text.split("\n"))), initial=0))
            starts.pop()  # the start after the last line is no line's
            line_starts[relative] = starts
        return starts

    forms: dict[tuple[str, int, int], str | None] = {}

    def form_text(package: Package) -> str | None:
        location = package.location
        if location is None or not location.line:
            return None
        key = (location.file or package.file, location.line, location.column)
        if key not in forms:
            span = package.span
            if span is not None:  # the index knows where the form ends: slice
                text = load(key[0])
                forms[key] = None if text is None else text[span[0]:span[1]]
            else:
                forms[key] = read_form(package, location)
        return forms[key]

    masks: dict[str, str] = {}
    #: id(form) -> (form, its file's masked text, its offset there): see field_form.
    spans: dict[int, tuple[str, str, int]] = {}

    def read_form(package: Package, location: Any) -> str | None:
        relative = location.file or package.file
        text = load(relative)
        if text is None:
            return None
        starts = starts_of(relative, text)
        if location.line > len(starts):
            return None
        offset = starts[location.line - 1] + location.column
        if not text.startswith("(", offset):
            return None
        masked = masks.get(relative)
        if masked is None:
            masked = masks[relative] = _mask(text)
        if masked[offset] != "(":  # inside a string or comment as read from the start
            return _balanced(text, offset)
        form = text[offset:_close(masked, offset, len(text))]
        spans[id(form)] = (form, masked, offset)
        return form

    def field_form(form: str, field: str) -> str | None:
        """_field_form(FORM, FIELD), with the brackets of FORM's file counted once."""
        span = spans.get(id(form))
        if span is None or span[0] is not form:
            return _field_form(form, field)
        _, masked, offset = span
        pattern = _FIELD_START.get(field)
        if pattern is None:
            return _field_form(form, field)
        match = pattern.search(form)
        if match is None:
            return None
        at = offset + match.start()
        if masked[at] != "(":
            return _balanced(form, match.start())
        return form[match.start():_close(masked, at, offset + len(form)) - offset]

    form_text.field_form = field_form  # type: ignore[attr-defined]
    return form_text


def classify_channel(index: Any, rules: RuleSet | None = None) -> AuditResult:
    """The audit of every package of INDEX (a :class:`guixml.index.channel.ChannelIndex`)."""
    classifier = Classifier(rules, index_resolver(index))
    audits = tuple(classifier.classify(p) for p in index.packages())
    problems = tuple(Problem(message=str(e)) for e in getattr(index, "errors", ()))
    return AuditResult(packages=audits, problems=problems)
