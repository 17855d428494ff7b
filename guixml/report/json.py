"""The JSON document of ``guixml audit --format json`` (docs/audit-json.md).

Every package of the trees is listed (not only those involving weights), so a
script sees what guixml concluded about each one.  ``schema_version`` changes
its major number when a field is removed or changes meaning, its minor number
when fields are added.
"""

from __future__ import annotations

import json

from guixml import __version__
from guixml.report.base import (
    AuditReport,
    PackageReport,
    evidence_json,
    json_value,
    location_json,
)

SCHEMA_VERSION = "1.0"


def package_json(entry: PackageReport, roots: tuple[str, ...]) -> dict:
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
        "inputs": [
            {
                "ref": verdict.ref,
                "label": verdict.label,
                "field": verdict.field,
                "kind": verdict.kind,
                "class": verdict.cls,
                "confidence": verdict.confidence,
                "evidence": [evidence_json(e, roots) for e in verdict.evidence],
            }
            for verdict in audit.inputs
        ],
        "evidence": [evidence_json(e, roots) for e in audit.evidence],
        "annotation": {
            "properties": [[key, json_value(value)] for key, value in entry.suggestion],
            "text": entry.suggestion_text,
        },
        "verdicts": {
            verdict.policy: {"verdict": verdict.verdict, "reasons": list(verdict.reasons)}
            for verdict in entry.verdicts
        },
    }


def problem_json(problem, roots: tuple[str, ...]) -> dict:
    return {"kind": problem.kind, "message": problem.message,
            "location": location_json(problem.location, roots)}


def document_head(report: AuditReport) -> dict:
    """The top-level fields before ``packages`` and ``problems``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "guixml", "version": __version__},
        "roots": list(report.roots),
        "policy": report.policy,
        "policies": list(report.policies),
        "summary": {
            "packages": len(report.packages),
            "roles": report.role_counts(),
            "training_software": report.training_software_count(),
            "verdicts": report.verdict_counts(),
        },
    }


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
    for key, items in (("packages", (package_json(e, report.roots) for e in report.packages)),
                       ("problems", (problem_json(p, report.roots) for p in report.problems))):
        lines = [compact(item) for item in items]
        parts.append(f'  "{key}": [' + ("\n    " + ",\n    ".join(lines) + "\n  "
                                        if lines else "") + "]")
        parts.append(",\n" if key == "packages" else "\n")
    parts.append("}\n")
    return "".join(parts)
