"""``guixml audit --format csv``: one row per package, for spreadsheets.

Lists the packages involving weights or training software (every package with
``--all``); lists inside a cell are joined with ``;``.
"""

from __future__ import annotations

import csv
import io

from guixml.report.base import AuditReport

COLUMNS = ("module", "file", "line", "variable", "name", "version", "weights",
           "training_software", "weight_inputs", "weights_license", "confidence",
           "from_properties", "verdict", "reasons", "evidence")


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in report.selected(all_packages):
        audit = entry.audit
        package = audit.package
        verdict = entry.verdict(report.policy)
        writer.writerow([
            package.module,
            entry.file,
            package.location.line if package.location else "",
            package.variable or "",
            package.name or "",
            package.version or "",
            audit.weights,
            "yes" if audit.training_software else "no",
            ";".join(audit.weight_inputs),
            audit.weights_license or "",
            f"{audit.confidence:.2f}",
            "yes" if audit.from_properties else "no",
            verdict.verdict if verdict else "",
            ";".join(verdict.reasons) if verdict else "",
            ";".join(f"{e.rule}: {e.matched}" for e in audit.evidence),
        ])
    return out.getvalue()
