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


def document(report: AuditReport) -> dict:
    """The report as a JSON-ready dictionary."""
    roots = report.roots
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "guixml", "version": __version__},
        "roots": list(roots),
        "policy": report.policy,
        "policies": list(report.policies),
        "summary": {
            "packages": len(report.packages),
            "roles": report.role_counts(),
            "training_software": report.training_software_count(),
            "verdicts": report.verdict_counts(),
        },
        "packages": [package_json(entry, roots) for entry in report.packages],
        "problems": [
            {"kind": problem.kind, "message": problem.message,
             "location": location_json(problem.location, roots)}
            for problem in report.problems
        ],
    }


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
