"""The JSON document of ``guixml audit --format json`` (docs/audit-json.md).

Every package of the trees is listed (not only those involving weights), so a
script sees what guixml concluded about each one.  ``schema_version`` changes
its major number when a field is removed or changes meaning, its minor number
when fields are added.
"""

from __future__ import annotations

import json

from guixml.version import __version__
from guixml.report.base import (
    AuditReport,
    PackageReport,
    evidence_json,
    json_value,
    location_json,
)

SCHEMA_VERSION = "1.0"
#: The version of a document whose packages carry ``sources`` and ``inspected``
#: (an audit with --store, --sources or --fetch); without them a document is
#: exactly a 1.0 document and says so.
SOURCES_SCHEMA_VERSION = "1.1"
#: ... and when definitions were not evaluated (``not_evaluated``, its count in
#: ``summary``); a document without them is as before.
NOT_EVALUATED_SCHEMA_VERSION = "1.2"


def sources_json(audit) -> dict:
    """The ``inspected`` and ``sources`` fields of a package whose sources were sought."""
    return {
        "inspected": bool(audit.inspected),
        "sources": [{
            "origin": record.origin, "input": record.input, "found": record.how is not None,
            "how": record.how, "path": record.path, "verified": record.verified,
            "hash": record.hash, "recursive": record.recursive,
            "findings": [finding.to_json() for finding in record.findings],
            "warnings": list(record.warnings),
        } for record in audit.sources],
    }


def package_json(entry: PackageReport, roots: tuple[str, ...]) -> dict:
    """The JSON object of one package (docs/audit-json.md)."""
    return {**_package_head(entry, roots),
            "inputs": [_input_json(verdict, roots) for verdict in entry.audit.inputs],
            **_package_tail(entry, roots)}


def _package_head(entry: PackageReport, roots: tuple[str, ...]) -> dict:
    """The fields of a package's object before ``inputs``."""
    audit = entry.audit
    package = audit.package
    return {
        "module": package.module,
        "file": entry.file,
        "variable": package.variable,
        "name": package.name,
        "version": package.version,
        "location": location_json(package.location, roots),
        "weights": audit.weights,
        "training_software": audit.training_software,
        "weight_inputs": list(audit.weight_inputs),
        "weights_license": audit.weights_license,
        "weights_license_fsf_libre": audit.weights_license_fsf_libre,
        "weights_license_osi_approved": audit.weights_license_osi_approved,
        "confidence": audit.confidence,
        "from_properties": audit.from_properties,
        "ignored": entry.ignored,
    }


def _input_json(verdict, roots: tuple[str, ...]) -> dict:
    return {
        "ref": verdict.ref,
        "label": verdict.label,
        "field": verdict.field,
        "kind": verdict.kind,
        "class": verdict.cls,
        "confidence": verdict.confidence,
        "evidence": [evidence_json(e, roots) for e in verdict.evidence],
    }


def _package_tail(entry: PackageReport, roots: tuple[str, ...]) -> dict:
    """The fields of a package's object after ``inputs``."""
    extra = sources_json(entry.audit) if entry.audit.inspected is not None else {}
    return {
        "evidence": [evidence_json(e, roots) for e in entry.audit.evidence],
        "annotation": {
            "properties": [[key, json_value(value)] for key, value in entry.suggestion],
            "text": entry.suggestion_text,
        },
        "verdicts": {
            verdict.policy: {"verdict": verdict.verdict, "reasons": list(verdict.reasons)}
            for verdict in entry.verdicts
        },
        **extra,
    }


class _PackageLines:
    """``encode(package_json(entry, roots))`` for each package, faster.

    Most of a channel's JSON is input verdicts and policy verdicts that many
    packages share (the same object: the classifier reuses a plain verdict for
    every consumer of the same input, the report one set of verdicts for every
    package without weights); each is encoded once and the package's line is
    put together from the pieces, the very text the whole object encodes to.
    """

    def __init__(self, roots: tuple[str, ...], encode) -> None:
        self.roots = roots
        self.encode = encode
        self.inputs: dict[int, str] = {}  # id(verdict) -> text; the verdicts outlive this
        self.tails: dict[int, str] = {}   # id(policy verdicts) -> text of a bare tail

    def __call__(self, entry: PackageReport) -> str:
        roots, encode, known = self.roots, self.encode, self.inputs
        inputs = []
        for verdict in entry.audit.inputs:
            text = known.get(id(verdict))
            if text is None:
                text = known[id(verdict)] = encode(_input_json(verdict, roots))
            inputs.append(text)
        bare = not entry.audit.evidence and not entry.suggestion and not entry.suggestion_text \
            and entry.audit.inspected is None
        tail = self.tails.get(id(entry.verdicts)) if bare else None
        if tail is None:
            tail = encode(_package_tail(entry, roots))
            if bare:
                self.tails[id(entry.verdicts)] = tail
        head = encode(_package_head(entry, roots))
        return f'{head[:-1]}, "inputs": [{", ".join(inputs)}], {tail[1:]}'


def problem_json(problem, roots: tuple[str, ...]) -> dict:
    return {"kind": problem.kind, "message": problem.message,
            "location": location_json(problem.location, roots)}


def not_evaluated_json(entry, roots: tuple[str, ...]) -> dict:
    return {"variable": entry.variable, "location": location_json(entry.location, roots),
            "reason": entry.reason}


def _schema_version(report: AuditReport, not_evaluated: tuple) -> str:
    if not_evaluated:
        return NOT_EVALUATED_SCHEMA_VERSION
    if any(entry.audit.inspected is not None for entry in report.packages):
        return SOURCES_SCHEMA_VERSION
    return SCHEMA_VERSION


def document_head(report: AuditReport) -> dict:
    """The top-level fields before ``packages`` and ``problems``."""
    not_evaluated = report.not_evaluated()
    summary = {
        "packages": len(report.packages),
        "roles": report.role_counts(),
        "training_software": report.training_software_count(),
        "verdicts": report.verdict_counts(),
    }
    if not_evaluated:
        summary["not_evaluated"] = len(not_evaluated)
    head = {
        "schema_version": _schema_version(report, not_evaluated),
        "tool": {"name": "guixml", "version": __version__},
        "roots": list(report.roots),
        "policy": report.policy,
        "policies": list(report.policies),
        "summary": summary,
    }
    if not_evaluated:
        head["not_evaluated"] = [not_evaluated_json(entry, report.roots)
                                 for entry in not_evaluated]
    return head


def document(report: AuditReport) -> dict:
    """The report as a JSON-ready dictionary."""
    return {
        **document_head(report),
        "packages": [package_json(entry, report.roots) for entry in report.packages],
        "problems": [problem_json(problem, report.roots) for problem in report.problems],
    }


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    """The document, indented, with one package (or problem) per line.

    Why not ``json.dumps(indent=2)`` of the whole: Python's indenting encoder
    is pure Python, 20 times slower than the compact one on a Guix tree's
    30,000 packages, and a line per package is what ``grep`` wants anyway.
    """
    doc = document_head(report)
    compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    parts = ["{\n"]
    for key, value in doc.items():
        parts.append(f"  {json.dumps(key)}: {compact(value)},\n")
    line = _PackageLines(report.roots, compact)
    for key, lines in (("packages", [line(e) for e in report.packages]),
                       ("problems", [compact(problem_json(p, report.roots))
                                     for p in report.problems])):
        parts.append(f'  "{key}": [' + ("\n    " + ",\n    ".join(lines) + "\n  "
                                        if lines else "") + "]")
        parts.append(",\n" if key == "packages" else "\n")
    parts.append("}\n")
    return "".join(parts)
