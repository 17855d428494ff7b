"""The library API of guixml: what ``guixml audit`` and ``guixml show`` do, as calls.

::

    import guixml

    channel = guixml.load_channel(["my-channel", "path/to/guix"])
    result = guixml.audit(channel)             # the classifier's AuditResult
    report = guixml.audit_report(channel, policy="gcd-008")   # judged
    for entry in report.selected():            # packages involving weights
        print(entry.package.name, entry.role, entry.verdict("gcd-008").verdict)
        print(guixml.suggest_properties(entry.audit))
    print(guixml.render(report, "json"))

    entry = guixml.show("stockfish", channel)  # one package, everything known

Typed results: :class:`~guixml.report.base.AuditReport` (the whole audit),
:class:`~guixml.report.base.PackageReport` (one package: the classifier's
:class:`~guixml.classify.results.PackageAudit`, its suggested annotation, the verdict
of every policy) and :class:`~guixml.report.base.PolicyVerdict`.
docs/api.md documents each call.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from typing import Any, Callable, Iterable, Sequence

from guixml.index.collector import gc_paused
from guixml.config import Config
from guixml.scheme.datum import Location
from guixml.errors import GuixmlError
from guixml.report import render
from guixml.report.base import AuditReport, PackageReport, PolicyVerdict, relative_file
from guixml.classify.results import AuditResult, PackageAudit, Problem

__all__ = [
    "DEFAULT_POLICY",
    "load_channel",
    "audit",
    "audit_report",
    "report_of",
    "suggest_properties",
    "policy_verdicts",
    "show",
    "find_packages",
    "changed_files",
    "render",
    "AuditReport",
    "PackageReport",
    "PolicyVerdict",
]

#: The policy reports follow when neither the caller nor the config names one:
#: the rule Guix's own 2023 discussion settled on (the weights' licence).
DEFAULT_POLICY = "guix-2023"

Progress = Callable[[str, int, int], None]


class UnknownPackage(GuixmlError):
    """``show`` was asked for a package the trees do not define."""


def policy_names() -> tuple[str, ...]:
    from guixml.policy.policies import POLICIES
    return tuple(POLICIES)


def load_channel(paths: str | Iterable[str], *, cache: bool = True, jobs: int | None = None):
    """Index the trees at PATHS (channel roots, Guix checkouts or ``.scm`` files)
    together, so references between them resolve.  Returns a
    :class:`guixml.index.channel.ChannelIndex`; a tree that does not exist raises
    :class:`~guixml.errors.GuixmlError`, a module that does not parse is
    reported in the index's ``errors`` and skipped."""
    from guixml.index.channel import load_channel as index_channel
    if isinstance(paths, str):
        paths = [paths]
    return index_channel(list(paths), jobs=jobs, use_cache=cache)


def _existing_entries(package) -> list[tuple[str, Any]]:
    return [(key, value) for key, value in (package.properties or ())
            if isinstance(key, str) and key.startswith("ml-")]


def suggest_properties(package_audit: PackageAudit):
    """The ``properties`` entries guixml suggests for the audited package, as
    :class:`guixml.annotate.emit.PropertyEntry` values (empty when no weights are
    involved).  Facts a human already wrote in the package's ``ml-`` entries
    are kept as written: they win over what guixml would suggest.  The audit
    report prints the same suggestion that ``annotate`` writes."""
    from guixml.annotate.emit import PropertyEntry, suggested_entries
    suggested = list(suggested_entries(package_audit))
    existing = _existing_entries(package_audit.package)
    if not existing:
        return tuple(suggested)
    written = {key: value for key, value in reversed(existing)}  # first occurrence wins
    merged = []
    for entry in suggested:
        if entry.key in written:
            value = written.pop(entry.key)
            if isinstance(value, list):
                value = tuple(value)
            merged.append(PropertyEntry(entry.key, value, known=True))
        else:
            merged.append(entry)
    for key, value in existing:
        if key in written:
            del written[key]
            merged.append(PropertyEntry(key, tuple(value) if isinstance(value, list) else value))
    from guixml.policy.vocabulary import vocabulary
    order = {key: i for i, key in enumerate(vocabulary())}
    return tuple(sorted(merged, key=lambda entry: (not entry.known,
                                                   order.get(entry.key, len(order)))))


def policy_verdicts(entries: Sequence[Any]) -> tuple[PolicyVerdict, ...]:
    """Every policy's verdict on the facts of ENTRIES (suggested properties)."""
    from guixml.scheme.datum import sym
    from guixml.policy.policies import verdicts
    alist = [(sym(entry.key), list(entry.value) if isinstance(entry.value, tuple)
              else entry.value) for entry in entries]
    return tuple(PolicyVerdict(name, v.verdict, tuple(v.reasons))
                 for name, v in verdicts(alist).items())


def _properties_text(entries) -> str:
    if not entries:
        return ""
    from guixml.annotate.emit import properties_field
    return properties_field(entries, indent="")


def _matches(patterns: Sequence[str], *names: str | None) -> bool:
    return any(name and fnmatch.fnmatchcase(name, pattern)
               for pattern in patterns for name in names)


def report_of(result: AuditResult, *, roots: Sequence[str] = (), policy: str | None = None,
              config: Config | None = None, files: dict[str, str] | None = None,
              rule_descriptions: dict[str, str] | None = None) -> AuditReport:
    """The report of an :class:`~guixml.classify.results.AuditResult`: each package with
    its suggested annotation and every policy's verdict.  FILES maps a
    package's ``file`` to the root of its tree when the index knows it."""
    config = config or Config()
    policy = policy or config.policy or DEFAULT_POLICY
    names = policy_names()
    if policy not in names:
        raise GuixmlError(f"unknown policy {policy!r}; choose among {', '.join(names)}")
    roots = tuple(roots)
    with gc_paused():  # the entries live as long as the report
        entries = _entries(result, config, roots, files)
    return AuditReport(packages=tuple(entries), problems=result.problems, roots=roots,
                       policy=policy, policies=names, result=result,
                       rule_descriptions=dict(rule_descriptions or {}))


def _entries(result: AuditResult, config: Config, roots: tuple[str, ...],
             files: dict[str, str] | None) -> list[PackageReport]:
    entries = []
    no_weights = policy_verdicts(())  # the same for every package without facts
    audited = {a.package.variable for a in result.packages}
    for package_audit in result.packages:
        package = package_audit.package
        if package.superseded and package.superseded in audited:
            continue  # a deprecated alias: folded into its target, no finding of its own
        suggestion = suggest_properties(package_audit)
        if files and package.file in files:
            file, root = package.file, files[package.file]
        else:
            file, root = relative_file(package.file, roots)
        entries.append(PackageReport(
            audit=package_audit,
            file=file,
            root=root,
            suggestion=tuple((entry.key, entry.value) for entry in suggestion),
            suggestion_text=_properties_text(suggestion),
            verdicts=policy_verdicts(suggestion) if suggestion else no_weights,
            ignored=_matches(config.ignore_packages, package.name)
            or _matches(config.ignore_variables, package.variable),
        ))
    return entries


def _rules(config: Config, rules: Iterable[str] | Any | None):
    from guixml.classify.rules import RuleSet, load_rules
    if isinstance(rules, RuleSet):
        return rules
    return load_rules([*config.rules, *(rules or ())])


def _is_paths(value: Any) -> bool:
    if isinstance(value, (str, os.PathLike)):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(p, (str, os.PathLike)) for p in value)


def _index(channel_or_paths: Any, cache: bool):
    if not _is_paths(channel_or_paths):
        return channel_or_paths
    paths = [channel_or_paths] if isinstance(channel_or_paths, (str, os.PathLike)) \
        else channel_or_paths
    return load_channel([os.fspath(p) for p in paths], cache=cache)


def _classify(index: Any, ruleset: Any, keep: Callable[[str], bool] | None,
              progress: Progress | None, jobs: int | None = None,
              selection: str | None = "") -> AuditResult:
    """The audit of INDEX's packages that KEEP keeps.  SELECTION says which
    those are, for the stored classification (None: do not store it)."""
    if progress:
        progress("indexing", 0, 0)
    from guixml.index import reporting
    with reporting(progress):  # modules linked, counted
        packages = [p for p in index.packages() if keep is None or keep(p.file)]
    store, key = _stored_audits_key(index, ruleset, selection)
    audits = _stored_audits(index, store, key, packages)
    if audits is None:
        audits = classify_packages(index, ruleset, packages, progress, jobs)
        if key is not None:
            # With the library modules classifying looked up too, checked on load.
            store.put_audits(key, (index.library_record(), _audit_rows(audits, packages)))
    problems = reported_problems(index, keep)
    return AuditResult(packages=tuple(audits), problems=problems)


def problem_file(problem: Problem) -> str | None:
    """The file (as the index names it) a problem is about, when it says."""
    if problem.location is not None:
        return problem.location.file
    head, sep, _ = problem.message.partition(": ")
    return head if sep else None


def reported_problems(index: Any, keep: Callable[[str], bool] | None = None
                      ) -> tuple[Problem, ...]:
    """INDEX's problems worth reporting: those of the files KEEP keeps (all
    without it), less the definitions not evaluated in modules that define no
    package (services, home, system, build-side modules: guixml needs nothing
    of them, so they are read quietly).  A file that could not be read is
    always reported: it might have held packages."""
    problems = [error if isinstance(error, Problem) else problem_of(str(error))
                for error in getattr(index, "errors", ())]
    with_packages = {p.file for p in index.packages()} if problems else set()
    kept = []
    for problem in problems:
        file = problem_file(problem)
        if problem.kind == "evaluation" and file not in with_packages:
            continue
        if keep is not None and (file is None or not keep(file)):
            continue
        kept.append(problem)
    return tuple(kept)


def _stored_audits_key(index: Any, ruleset: Any, selection: str | None) -> tuple[Any, str | None]:
    """The cache and the key of INDEX's classification by RULESET, when one
    may be stored: the channel's content, the rules, guixml's code, which
    packages (SELECTION)."""
    store = getattr(index, "cache", None)
    content = getattr(index, "content_key", None)
    if store is None or not content or selection is None \
            or not hasattr(index, "library_record"):
        return None, None
    from guixml.report.cache import code_key
    parts = (content, ruleset.fingerprint(), code_key(), selection)
    return store, hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _audit_rows(audits: list[PackageAudit], packages: list) -> list[tuple]:
    """AUDITS with each package given by its position in PACKAGES: what is
    stored (the packages themselves come back from the index)."""
    position = {id(p): i for i, p in enumerate(packages)}
    return [(position[id(a.package)], a.weights, a.training_software, a.weight_inputs,
             a.weights_license, a.weights_license_fsf_libre, a.weights_license_osi_approved,
             a.confidence, a.inputs, a.evidence, a.from_properties) for a in audits]


def _stored_audits(index: Any, store: Any, key: str | None,
                   packages: list) -> list[PackageAudit] | None:
    """The audits stored under KEY, of INDEX's PACKAGES, or None (also when a
    library module they depend on changed since)."""
    if key is None:
        return None
    try:
        (modules, stamp), rows = store.get_audits(key)
    except (TypeError, ValueError):
        return None
    if not isinstance(rows, list) or len(rows) != len(packages) \
            or index.stamp_library(modules) != stamp:
        return None
    with gc_paused():
        try:
            return [PackageAudit(packages[row[0]], *row[1:]) for row in rows]
        except (TypeError, IndexError):  # not what this version stores: a miss
            return None


#: Fewer packages than this are classified without help: forking a worker
#: would cost more than it saves.
PREFETCH_MIN = 4000


def classify_packages(index: Any, ruleset: Any, packages: list, progress: Progress | None,
                      jobs: int | None = None) -> list[PackageAudit]:
    """The audits of PACKAGES, in order.

    With two jobs or more (by default the index's) and many packages, a forked
    worker first computes what depends on each package's own texts for half
    of them (``Classifier.prefetch``) while this process does the other half;
    classifying then finds it done.  Why not classify in workers: a package's
    audit needs its inputs' audits, and each half of Guix's packages leads to
    80% of them, so two workers each did 80% of the work.
    """
    from guixml.classify.classifier import Classifier, index_resolver
    total = len(packages)
    classifier = Classifier(ruleset, index_resolver(index))
    jobs = jobs or getattr(index, "jobs", None) or 1
    if jobs > 1 and total >= PREFETCH_MIN:
        _prefetch(classifier, packages, progress)
    audits = []
    # The audits live as long as the result: see gc_paused.
    with gc_paused():
        for done, package in enumerate(packages):
            if progress and done % 64 == 0:
                progress("classifying", done, total)
            audits.append(classifier.classify(package))
    if progress:
        progress("classifying", total, total)
    return audits


def _prefetch(classifier: Any, packages: list, progress: Progress | None) -> None:
    import marshal
    from guixml.index import decode_verified
    from guixml.index.forking import run_shares
    if progress:
        progress("reading texts", 0, 0)
    half = len(packages) // 2

    def mine() -> None:  # this process's half, counted (the other keeps pace)
        step = 512
        for start in range(0, half, step):
            classifier.prefetch(packages[start:start + step])
            if progress:
                progress("reading texts", min(half, start + step), half)

    _, sent = run_shares(lambda _k: marshal.dumps(classifier.prefetch(packages[half:])), 2,
                         mine)
    if sent[0] is not None:  # else the classifier does that half's share as it goes
        classifier.add_prefetched(decode_verified("marshal", sent[0]))  # our worker's


_PROBLEM = re.compile(r"^(?P<file>[^:\n]+?):(?:(?P<line>\d+):(?P<column>\d+):)?\s*(?P<message>.*)$",
                      re.DOTALL)


def problem_of(error: str) -> Problem:
    """An index error (``FILE:LINE:COLUMN: message``) as a :class:`Problem`.

    Its kind says how grave it is: ``syntax`` for a module that could not be
    read at all (the audit is incomplete: ``guixml audit`` exits 2),
    ``evaluation`` for one definition static evaluation could not follow,
    ``warning`` for the rest (a module defined twice, …).
    """
    match = _PROBLEM.match(error)
    if not match:
        return Problem(message=error, kind="syntax")
    message = " ".join(match["message"].split())  # one line, whatever text it quotes
    location = None
    if match["line"]:
        location = Location(match["file"], int(match["line"]), int(match["column"]))
    if "not evaluated" in message:
        kind = "evaluation"
    elif "also defined in" in message:
        kind = "warning"
    else:
        kind = "syntax"
    if location is None:
        message = f"{match['file']}: {message}"
    return Problem(message=message, location=location, kind=kind)


def audit(channel_or_paths: Any, *, rules: Any = None, config: Config | None = None,
          cache: bool = True, only: Sequence[str] | None = None,
          changed_since: str | None = None,
          progress: Progress | None = None) -> AuditResult:
    """Classify every package of a channel: the classifier's
    :class:`~guixml.classify.results.AuditResult` (role, weight inputs, training
    software, evidence per package and per input).

    CHANNEL_OR_PATHS is what :func:`load_channel` returns, or the paths to give
    it.  RULES are extra rule files (or a loaded :class:`guixml.classify.rules.RuleSet`)
    on top of the built-in rules and the config's.  ONLY restricts the result
    to the packages of those trees (all trees are still indexed, so references
    resolve); CHANGED_SINCE (a git revision) to the packages whose files
    changed since then.  PROGRESS, if given, is called as
    ``progress(phase, done, total)``.
    """
    index = _index(channel_or_paths, cache)
    ruleset = _rules(config or Config(), rules)
    keep = _selector(_file_roots(index), only, changed_since)
    # What --changed-since keeps depends on git, not on the files: not stored.
    selection = None if changed_since else \
        "\n".join(sorted(os.path.realpath(tree) for tree in only or ()))
    return _classify(index, ruleset, keep, progress, selection=selection)


def _file_roots(index: Any) -> dict[str, str]:
    return {relative: f.root for relative, f in getattr(index, "files", {}).items()}


def audit_report(channel_or_result: Any, *, policy: str | None = None, rules: Any = None,
           config: Config | None = None, cache: bool = True,
           only: Sequence[str] | None = None, changed_since: str | None = None,
           progress: Progress | None = None, sources: Any = None) -> AuditReport:
    """Audit a channel and judge it: an :class:`AuditReport` whose packages
    carry their suggested annotation and every policy's verdict.

    CHANNEL_OR_RESULT is an :class:`~guixml.classify.results.AuditResult` already
    computed, or anything :func:`audit` takes (with the same options).  POLICY
    names the policy the report follows (default: the config's, else
    ``guix-2023``).  SOURCES (a :class:`guixml.classify.deep.SourceOptions`)
    seeks, inspects and folds in the packages' real sources.
    """
    config = config or Config()
    if isinstance(channel_or_result, AuditResult):
        return report_of(channel_or_result, policy=policy, config=config)
    if progress:
        progress("indexing", 0, 0)
    from guixml.index import reporting
    with reporting(progress):  # modules read and linked, counted
        index = _index(channel_or_result, cache)
    ruleset = _rules(config, rules)
    result = audit(index, rules=ruleset, config=config, only=only,
                   changed_since=changed_since, progress=progress)
    result = _deepen(result, sources, progress, _file_roots(index))
    if progress:
        progress("judging", 0, 0)
    descriptions = {rule.id: rule.description for rule in ruleset.rules if rule.description}
    return report_of(result, roots=tuple(getattr(index, "roots", ())), policy=policy,
                     config=config, files=_file_roots(index),
                     rule_descriptions=descriptions)


def _deepen(result: AuditResult, sources: Any, progress: Progress | None = None,
            files: dict[str, str] | None = None) -> AuditResult:
    """RESULT with the packages' sources inspected, when SOURCES asks for it."""
    if sources is None or not sources.active:
        return result
    from guixml.classify import deepen
    return deepen(result, sources, progress, files)


def _same_tree(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _selector(files: dict[str, str], only: Sequence[str] | None, changed_since: str | None):
    """A test on a package's file for --only and --changed-since, or None."""
    if not only and not changed_since:
        return None
    changed: set[tuple[str, str]] | None = None
    if changed_since:
        changed = set()
        for root in {files.get(f) for f in files} - {None}:
            for relative in changed_files(root, changed_since):
                changed.add((os.path.realpath(root), relative))

    def keep(file: str) -> bool:
        root = files.get(file)
        if root is None:
            return False
        if only and not any(_same_tree(root, tree) for tree in only):
            return False
        if changed is not None and (os.path.realpath(root), file) not in changed:
            return False
        return True

    return keep


def changed_files(root: str, revision: str) -> set[str]:
    """The files under ROOT (relative to it) that differ from git REVISION,
    including uncommitted and untracked ones."""
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", root, *args], capture_output=True,
                                  text=True, check=False)
        except FileNotFoundError:
            raise GuixmlError("--changed-since needs git, which is not installed") from None
        if done.returncode != 0:
            raise GuixmlError(f"{root}: git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout
    if not revision or revision.startswith("-"):
        raise GuixmlError(f"--changed-since {revision!r}: not a git revision")
    # The revision is checked to name a commit, then given as its hash: no
    # value of the user's is ever read by git as an option.
    commit = git("rev-parse", "--verify", "--end-of-options",
                 f"{revision}^{{commit}}").strip()
    changed = set(git("diff", "--name-only", "--relative", commit, "--", ".").splitlines())
    changed |= set(git("ls-files", "--others", "--exclude-standard").splitlines())
    return {path for path in changed if path}


def find_packages(report: AuditReport, query: str) -> list[PackageReport]:
    """The packages of REPORT that QUERY names: a package name, a variable, a
    ``name@version``, or ``(module) variable``."""
    name, _, version = query.partition("@")
    found = []
    for entry in report.packages:
        package = entry.package
        full = f"{package.module} {package.variable}"
        if query in (full, package.variable) or (
                name == package.name and (not version or version == package.version)):
            found.append(entry)
    return found


def show(query: str, channel_or_paths: Any, *, policy: str | None = None,
         rules: Any = None, config: Config | None = None,
         cache: bool = True, sources: Any = None) -> list[PackageReport]:
    """Everything guixml knows about the package(s) QUERY names (see
    :func:`find_packages`): inputs with their classes and evidence, suggested
    annotation, verdicts.  Only the packages named are classified.  Raises
    :class:`UnknownPackage` when none matches."""
    config = config or Config()
    index = _index(channel_or_paths, cache)
    from guixml.index.packed import package_head
    name, _, version = query.partition("@")
    every = index.packages()
    packages = []
    # Matched on what identifies a package, so only the matches are decoded.
    for i in range(len(every)):
        module, variable, package_name, package_version, _ = package_head(every, i)
        if query in (f"{module} {variable}", variable) or (
                name == package_name and (not version or version == package_version)):
            packages.append(every[i])
    if not packages:
        roots = ", ".join(getattr(index, "roots", ()))
        unread = [p for p in reported_problems(index) if p.kind == "syntax"]
        because = (f"; {len(unread)} file(s) could not be read, first: {unread[0]}"
                   if unread else "")
        raise UnknownPackage(f"no package named {query!r} in "
                             f"{roots or 'the given trees'}{because}")
    ruleset = _rules(config, rules)
    from guixml.classify.classifier import Classifier, index_resolver
    classifier = Classifier(ruleset, index_resolver(index))
    with gc_paused():
        result = AuditResult(tuple(classifier.classify(p) for p in packages))
    result = _deepen(result, sources, None, _file_roots(index))
    descriptions = {rule.id: rule.description for rule in ruleset.rules if rule.description}
    return list(report_of(result, roots=tuple(getattr(index, "roots", ())), policy=policy,
                          config=config, files=_file_roots(index),
                          rule_descriptions=descriptions).packages)
