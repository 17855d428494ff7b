"""``guixml audit --format sarif``: SARIF 2.1.0 for a forge's code scanning.

One result per package involving weights (``--all``: also packages that are
only training software), on the line of its definition.  The result's rule is
the rule that decided the package's role (the first package-level evidence),
so code scanning groups alerts by what guixml saw; the level follows the
verdict of the chosen policy: reject → error, review → warning, else note.
SARIF counts lines and columns from 1; guixml's columns count from 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from guixml.version import __version__
from guixml.scheme.datum import Location
from guixml.report.base import AuditReport, PackageReport, grouped_evidence, relative_file

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

LEVELS = {"reject": "error", "review": "warning"}


def _base_id(index: int) -> str:
    return "SRCROOT" if index == 0 else f"ROOT{index}"


def _physical(location: Location, roots: tuple[str, ...], tree: str | None = None) -> dict:
    """A SARIF physical location; TREE is the root the file belongs to, when known."""
    file, root = relative_file(location.file, roots)
    if tree is not None and not os.path.isabs(location.file):
        root = tree
    artifact = {"uri": Path(file).as_posix()}
    if root is not None and root in roots:
        artifact["uriBaseId"] = _base_id(roots.index(root))
    return {
        "artifactLocation": artifact,
        "region": {"startLine": max(location.line, 1), "startColumn": location.column + 1},
    }


def _rule_id(entry: PackageReport) -> str:
    for evidence in entry.audit.evidence:
        if evidence.rule:
            return evidence.rule
    return f"ml-weights-{entry.role}" if entry.role != "none" else "ml-training-software"


def _message(entry: PackageReport, policy: str) -> str:
    audit = entry.audit
    package = audit.package
    name = f"{package.name}@{package.version}" if package.version else str(package.name)
    parts = []
    if audit.weights != "none":
        what = f"{name}: ml-weights {audit.weights}"
        if audit.weight_inputs:
            what += f" (weight inputs: {', '.join(audit.weight_inputs)})"
        parts.append(what)
        parts.append(f"weights licence {audit.weights_license or 'unknown'}")
    else:
        parts.append(f"{name}: can train ML models")
    verdict = entry.verdict(policy)
    if verdict and audit.weights != "none":
        reasons = f" ({', '.join(verdict.reasons)})" if verdict.reasons else ""
        parts.append(f"policy {policy}: {verdict.verdict}{reasons}")
    for group in grouped_evidence(audit.evidence)[:3]:
        parts.append(f"evidence {', '.join(group.rules)}: {group.matched}")
    return "; ".join(parts) + "."


def _result(entry: PackageReport, report: AuditReport, rule_index: dict[str, int]) -> dict:
    audit = entry.audit
    package = audit.package
    rule = _rule_id(entry)
    verdict = entry.verdict(report.policy)
    level = "note"
    if verdict and audit.weights != "none":
        level = LEVELS.get(verdict.verdict, "note")
    location = package.location or Location(entry.file, 1, 0)
    result = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": level,
        "message": {"text": _message(entry, report.policy)},
        "locations": [{
            "physicalLocation": _physical(location, report.roots, entry.root),
            "logicalLocations": [{
                "name": package.variable or package.name or "?",
                "fullyQualifiedName": f"{package.module} {package.variable or package.name}",
                "kind": "variable",
            }],
        }],
        "partialFingerprints": {
            "guixmlPackage/v1": f"{package.module} {package.variable or package.name}",
        },
        "properties": {
            "weights": audit.weights,
            "trainingSoftware": audit.training_software,
            "weightInputs": list(audit.weight_inputs),
            "weightsLicense": audit.weights_license,
            "verdicts": {v.policy: v.verdict for v in entry.verdicts},
        },
    }
    related = []
    for evidence in audit.evidence:
        if evidence.location is not None:
            related.append({
                "id": len(related),
                "physicalLocation": _physical(evidence.location, report.roots, entry.root),
                "message": {"text": f"{evidence.rule}: {evidence.matched}"},
            })
    if related:
        result["relatedLocations"] = related
    return result


def document(report: AuditReport, all_packages: bool = False) -> dict:
    entries = [e for e in report.selected(all_packages)
               if e.role != "none" or (all_packages and e.audit.training_software)]
    rule_ids = sorted({_rule_id(e) for e in entries})
    rule_index = {rule: i for i, rule in enumerate(rule_ids)}
    rules = [{
        "id": rule,
        "name": rule.replace("-", " ").replace("/", " ").title().replace(" ", ""),
        "shortDescription": {"text": report.rule_descriptions.get(rule) or f"guixml rule {rule}"},
        "defaultConfiguration": {"level": "warning"},
    } for rule in rule_ids]
    notifications = []
    for problem in report.problems:
        notification = {"level": "error" if problem.kind == "error" else "warning",
                        "message": {"text": problem.message}}
        if problem.location is not None:
            notification["locations"] = [
                {"physicalLocation": _physical(problem.location, report.roots)}]
        notifications.append(notification)
    run = {
        "tool": {"driver": {
            "name": "guixml",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": rules,
        }},
        "originalUriBaseIds": {
            _base_id(i): {"uri": Path(root).resolve().as_uri() + "/"}
            for i, root in enumerate(report.roots)
        },
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": notifications,
        }],
        "results": [_result(e, report, rule_index) for e in entries],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    return json.dumps(document(report, all_packages), indent=2, ensure_ascii=False) + "\n"
