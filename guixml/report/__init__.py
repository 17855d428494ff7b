"""Stage 8, reports: the formats of ``guixml audit``, one module per format.

Takes: an :class:`AuditReport` (packages, their audits, policy verdicts).
Gives: text in one of :data:`FORMATS`; ``cache`` keeps rendered reports by
content.  Each format module defines ``render(report, *, all_packages=False,
color=False) -> str``; :data:`FORMATS` names them and :func:`render` picks one.
"""

from __future__ import annotations

import importlib

from guixml.report.base import (
    FAIL_ON_LEVELS,
    VERDICTS,
    AuditReport,
    EvidenceGroup,
    PackageReport,
    PolicyVerdict,
    grouped_evidence,
    relative_file,
)
from guixml.report.cache import ReportCache, code_key, report_key, report_stamp, storable
from guixml.report.json import package_json

__all__ = ["FORMATS", "render", "AuditReport", "PackageReport", "PolicyVerdict",
           "VERDICTS", "FAIL_ON_LEVELS", "relative_file", "ReportCache", "code_key",
           "report_key", "report_stamp", "storable", "package_json", "EvidenceGroup",
           "grouped_evidence"]

#: The formats of ``guixml audit --format``, each a module of this package.
FORMATS = ("table", "json", "csv", "sarif", "spdx", "cyclonedx", "html")

def render(report: AuditReport, format: str = "table", *, all_packages: bool = False,
           color: bool = False, problems: bool = False, width: int | None = None) -> str:
    """REPORT as text in FORMAT (one of :data:`FORMATS`).  PROBLEMS lists every
    problem in the table too (the other formats always carry them all); WIDTH
    fits the table's rows to that many columns."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}; choose among {', '.join(FORMATS)}")
    module = importlib.import_module(f"guixml.report.{format}")
    if format == "table" and (problems or width):
        return module.render(report, all_packages=all_packages, color=color,
                             problems=problems, width=width)
    return module.render(report, all_packages=all_packages, color=color)
