"""The values every report format renders: an audit result joined with the
suggested annotation and the policy verdicts of each package.

The classifier's :class:`~guixml.classify.results.AuditResult` says what each package
*is*; a report also says what a maintainer should *do* (the annotation to add)
and what each policy *thinks* of it.  Formats only render these values, they
never compute a judgement themselves.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any, Iterator

from attrs import field, frozen

from guixml.scheme.datum import Location, Symbol
from guixml.classify.results import ROLES, AuditResult, Evidence, InputVerdict, PackageAudit, Problem

__all__ = [
    "VERDICTS",
    "FAIL_ON_LEVELS",
    "PolicyVerdict",
    "PackageReport",
    "AuditReport",
    "NotEvaluated",
    "EvidenceGroup",
    "grouped_evidence",
    "relative_file",
    "json_value",
    "weight_inputs",
]

#: A policy's verdicts, from the mildest to the gravest.
VERDICTS = ("accept", "review", "reject")

#: What ``--fail-on`` accepts, from the most to the least demanding:
#: ``weights`` fails on any package involving weights (or training software),
#: ``review`` on a verdict review or reject, ``reject`` on a reject only;
#: ``never`` always exits 0 (report only).
FAIL_ON_LEVELS = ("weights", "review", "reject", "never")


@frozen
class PolicyVerdict:
    """The verdict of one policy on one package, with its reason codes."""

    policy: str
    verdict: str
    reasons: tuple[str, ...] = ()


@frozen
class PackageReport:
    """One package as a report shows it.

    ``file`` is relative to the root of the tree the package was read from
    (``root``); ``suggestion`` holds the ``properties`` entries guixml suggests
    (key, value) and ``suggestion_text`` the same as Scheme text; both are
    empty for packages that involve no weights.
    """

    audit: PackageAudit
    file: str
    root: str | None = None
    suggestion: tuple[tuple[str, Any], ...] = field(default=(), eq=False)
    suggestion_text: str = ""
    verdicts: tuple[PolicyVerdict, ...] = ()
    ignored: bool = False  # the channel's config ignores it: listed, never a finding

    @property
    def package(self):
        return self.audit.package

    @property
    def role(self) -> str:
        return self.audit.weights

    @property
    def involves_ml(self) -> bool:
        """Does the package involve weights or training software?"""
        return self.audit.weights != "none" or self.audit.training_software

    def verdict(self, policy: str) -> PolicyVerdict | None:
        for verdict in self.verdicts:
            if verdict.policy == policy:
                return verdict
        return None

    def level(self, policy: str) -> str | None:
        """The gravest ``--fail-on`` level this package reaches under POLICY,
        or ``None`` when it is no finding at all."""
        verdict = self.verdict(policy)
        if verdict is not None and verdict.verdict in ("reject", "review"):
            return verdict.verdict
        return "weights" if self.involves_ml else None

    @property
    def location(self) -> Location | None:
        return self.audit.package.location


@frozen
class EvidenceGroup:
    """Evidence of one package with the same matched text in the same field,
    however many rules found it: shown once, with every rule that did."""

    rules: tuple[str, ...]
    field: str
    matched: str
    notes: tuple[str, ...]
    location: Location | None


def grouped_evidence(evidence: Any) -> tuple[EvidenceGroup, ...]:
    """EVIDENCE grouped by (field, matched text), in the order each first
    appears (the human formats show a text once, not once per rule; JSON keeps
    every piece)."""
    groups: dict[tuple[str, str], list] = {}
    for item in evidence:
        key = (item.field, item.matched)
        if key in groups:
            rules, notes, location = groups[key]
            rules.append(item.rule)
            if item.note and item.note not in notes:
                notes.append(item.note)
        else:
            groups[key] = [[item.rule], [item.note] if item.note else [], item.location]
    return tuple(EvidenceGroup(tuple(rules), field, matched, tuple(notes), location)
                 for (field, matched), (rules, notes, location) in groups.items())


@frozen
class NotEvaluated:
    """A definition of a reported module that static evaluation could not
    follow: maybe a package, missing from the packages audited."""

    variable: str
    location: Location | None
    reason: str


_NOT_EVALUATED = re.compile(r"(?P<variable>.+?): not evaluated \((?P<reason>.*)\)$")


def not_evaluated_of(problem: Problem) -> NotEvaluated | None:
    """PROBLEM as a definition not evaluated, when it is one (index.link
    writes them 'NAME: not evaluated (WHY)', kind 'evaluation')."""
    if problem.kind != "evaluation":
        return None
    match = _NOT_EVALUATED.match(problem.message)
    if match is None:
        return None
    return NotEvaluated(match["variable"], problem.location, match["reason"])


@frozen
class AuditReport:
    """A whole audit as the reports show it.

    ``policy`` is the policy the user chose (the one tables, exit codes and
    SARIF levels follow); ``policies`` all the policies whose verdicts each
    package carries.  ``roots`` are the trees given, in order.
    """

    packages: tuple[PackageReport, ...]
    problems: tuple[Problem, ...] = ()
    roots: tuple[str, ...] = ()
    policy: str = "guix-2023"
    policies: tuple[str, ...] = ()
    result: AuditResult | None = field(default=None, eq=False, repr=False)
    #: rule id → what the rule means, for formats that describe their rules.
    rule_descriptions: dict[str, str] = field(factory=dict, eq=False, repr=False)

    def selected(self, all_packages: bool = False) -> tuple[PackageReport, ...]:
        """The packages a report lists: those involving weights or training
        software, or every package with ALL_PACKAGES."""
        if all_packages:
            return self.packages
        return tuple(p for p in self.packages if p.involves_ml)

    def not_evaluated(self) -> tuple[NotEvaluated, ...]:
        """The definitions of the reported modules that were not evaluated
        (listed so that a package failing to evaluate does not silently
        vanish from the packages audited)."""
        found = (not_evaluated_of(problem) for problem in self.problems)
        return tuple(entry for entry in found if entry is not None)

    def role_counts(self) -> dict[str, int]:
        counts = Counter(p.role for p in self.packages)
        return {role: counts.get(role, 0) for role in ROLES}

    def verdict_counts(self, policy: str | None = None) -> dict[str, int]:
        """How many packages involving weights get each verdict of POLICY."""
        policy = policy or self.policy
        counts: Counter[str] = Counter()
        for package in self.packages:
            if package.role == "none":
                continue
            verdict = package.verdict(policy)
            counts[verdict.verdict if verdict else "unknown"] += 1
        return {name: counts.get(name, 0) for name in (*VERDICTS, "unknown")
                if name != "unknown" or counts.get(name)}

    def training_software_count(self) -> int:
        return sum(1 for p in self.packages if p.audit.training_software)

    def findings(self, level: str, policy: str | None = None) -> tuple[PackageReport, ...]:
        """The packages at or above the ``--fail-on`` LEVEL."""
        if level == "never":
            return ()
        policy = policy or self.policy
        threshold = FAIL_ON_LEVELS.index(level)
        found = []
        for package in self.packages:
            if package.ignored:
                continue
            reached = package.level(policy)
            if reached is not None and FAIL_ON_LEVELS.index(reached) >= threshold:
                found.append(package)
        return tuple(found)


def relative_file(path: str, roots: tuple[str, ...]) -> tuple[str, str | None]:
    """PATH relative to the first of ROOTS that contains it, and that root.

    Paths already relative are returned as they are (the reader may already
    give them relative to their tree).
    """
    if not os.path.isabs(path):
        return path, (roots[0] if roots else None)
    for root in roots:
        absolute_root = os.path.abspath(root)
        try:
            common = os.path.commonpath([absolute_root, path])
        except ValueError:
            continue
        if common == absolute_root:
            return os.path.relpath(path, absolute_root), root
    return path, None


def json_value(value: Any) -> Any:
    """A Scheme datum of an annotation as plain JSON: symbols become strings,
    lists become arrays, ``#f`` stays ``false``."""
    if isinstance(value, Symbol):
        return str(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value if type(value) in (bool, int, float, str) or value is None else str(value)
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    return str(value)


def location_json(location: Location | None, roots: tuple[str, ...]) -> dict | None:
    """A location as JSON, its file relative to its tree (``line`` from 1,
    ``column`` from 0, as Guix counts)."""
    if location is None:
        return None
    file, _ = relative_file(location.file, roots)
    return {"file": file, "line": location.line, "column": location.column}


def evidence_json(evidence: Evidence, roots: tuple[str, ...]) -> dict:
    return {
        "rule": evidence.rule,
        "field": evidence.field,
        "matched": evidence.matched,
        "note": evidence.note,
        "location": location_json(evidence.location, roots),
    }


def weight_files(entry: PackageReport) -> list[tuple[Any, Any]]:
    """(source record, finding) of each weight file inspecting ENTRY's sources
    found and that counts (not removed by the build, not a test fixture)."""
    return [(record, finding) for record in entry.audit.sources
            for finding in record.findings if finding.kind == "weights"]


def weight_inputs(entry: PackageReport,
                  known: dict[str, str]) -> Iterator[tuple[InputVerdict, str | None, str]]:
    """ENTRY's inputs classed as weights, in order, each with what KNOWN maps
    its variable to when it names a package of the report (else None), and
    the name an inline input goes by."""
    for verdict in entry.audit.inputs:
        if verdict.cls != "weights":
            continue
        target = known.get(verdict.ref) if verdict.ref else None
        yield verdict, target, verdict.label or verdict.ref or "weights"
