"""``guixml audit --format table``: the human view, one line per package.

Lists the packages involving weights or training software (every package with
``--all``): role, weight inputs, weights licence, the verdict of the chosen
policy and where the package is defined, then a summary.  Colour (ANSI) only
when asked, which the CLI does only when stdout is a terminal.
"""

from __future__ import annotations

from guixml.report.base import AuditReport, PackageReport

HEADERS = ("PACKAGE", "ROLE", "TRAINS", "WEIGHT INPUTS", "WEIGHTS LICENCE", "VERDICT",
           "DEFINED AT")

#: ANSI colours per role and verdict; why: a reviewer's eye goes to red first.
COLORS = {
    "model": "35", "separate": "36", "tangled": "33", "external": "34",
    "accept": "32", "review": "33", "reject": "1;31", "dim": "2",
}

MAX_CELL = 40


def _cut(text: str, width: int = MAX_CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(entry: PackageReport, policy: str) -> tuple[str, ...]:
    audit = entry.audit
    package = audit.package
    verdict = entry.verdict(policy)
    name = package.name or package.variable or "?"
    if package.version:
        name = f"{name}@{package.version}"
    line = f":{package.location.line}" if package.location else ""
    return (
        _cut(name),
        audit.weights if audit.weights != "none" else "-",
        "yes" if audit.training_software else "-",
        _cut(", ".join(audit.weight_inputs) or "-"),
        _cut(audit.weights_license or ("unknown" if audit.weights not in ("none", "external")
                                       else "-")),
        (verdict.verdict + (" (ignored)" if entry.ignored else ""))
        if verdict and audit.weights != "none" else "-",
        f"{entry.file}{line}",
    )


def source_lines(entry: PackageReport, most: int = 3) -> list[str]:
    """What inspecting ENTRY's sources found, one line a file ("tangled:
    models/vad.onnx in the source"); empty when no source was inspected."""
    audit = entry.audit
    if not audit.inspected:
        return []
    lines: list[tuple[bool, str]] = []  # what was removed comes after what is kept
    for record in audit.sources:
        where = "the source" if record.input is None else f"input {record.input}"
        own = "model" if audit.weights == "model" else "tangled"
        label = {"weights": own if record.input is None else "separate",
                 "removed": "removed", "external": "external"}
        for finding in record.findings:
            kind = label.get(finding.kind)
            if kind is None:
                continue
            what = (f"{finding.path}:{finding.line} downloads {finding.model or 'a model'}"
                    if finding.kind == "external" else f"{finding.path} in {where}")
            lines.append((kind == "removed", f"    {kind}: {what}"
                          + ("" if record.verified else " (matched by name, unverified)")))
    lines.sort(key=lambda line: line[0])
    return _at_most([text for _, text in lines], most)


def _at_most(lines: list[str], most: int) -> list[str]:
    if len(lines) > most:
        lines[most:] = [f"    … and {len(lines) - most} more (guixml show)"]
    return lines


def _paint(text: str, cell: str, color: bool) -> str:
    code = COLORS.get(cell.strip().split(" ")[0])
    if not color or not code:
        return text
    return f"\033[{code}m{text}\033[0m"


def summary_lines(report: AuditReport) -> list[str]:
    roles = report.role_counts()
    involved = sum(count for role, count in roles.items() if role != "none")
    parts = [f"{count} {role}" for role, count in roles.items() if role != "none" and count]
    lines = [
        f"{len(report.packages)} packages audited; {involved} involve weights"
        + (f" ({', '.join(parts)})" if parts else "")
        + f"; {report.training_software_count()} can train models.",
    ]
    verdicts = report.verdict_counts()
    if involved:
        lines.append(f"Policy {report.policy}: "
                     + ", ".join(f"{count} {name}" for name, count in verdicts.items()) + ".")
    sought = [p for p in report.packages if p.audit.inspected is not None]
    if sought:
        inspected = sum(1 for p in sought if p.audit.inspected)
        lines.append(f"Sources inspected for {inspected} of {len(sought)} packages; the "
                     "others were judged from their definitions alone.")
    ignored = sum(1 for p in report.packages if p.ignored)
    if ignored:
        lines.append(f"{ignored} package(s) ignored by the channel's config (listed, "
                     "never a finding).")
    not_evaluated = report.not_evaluated()
    if not_evaluated:
        lines.append(f"{len(not_evaluated)} definition(s) not evaluated, maybe packages "
                     "missing from those audited (--problems lists them).")
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s) while reading; first: "
                     f"{report.problems[0]}" + ("" if len(report.problems) == 1 else
                                                " (--problems lists them all)"))
    return lines


def problem_lines(report: AuditReport) -> list[str]:
    """Every problem, one a line, under a heading (``audit --problems``)."""
    if not report.problems:
        return []
    return ["", f"Problems while reading ({len(report.problems)}):",
            *(f"  {problem}" for problem in report.problems)]


#: Columns that give way when the table is wider than the terminal (their
#: index), and the narrowest each may become.  The others (role, trains,
#: verdict) are short words, kept whole.
FLEXIBLE = {0: 14, 3: 8, 4: 8, 6: 14}


def fit_widths(widths: list[int], limit: int) -> list[int]:
    """WIDTHS narrowed, widest flexible column first, so that the row (two
    spaces between columns) fits LIMIT characters, or as near as the minimums allow."""
    widths = list(widths)
    excess = sum(widths) + 2 * (len(widths) - 1) - limit
    while excess > 0:
        candidates = [i for i, least in FLEXIBLE.items() if widths[i] > least]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (widths[i], -i))
        widths[widest] -= 1
        excess -= 1
    return widths


def _fit_cell(cell: str, width: int, column: int) -> str:
    if len(cell) <= width:
        return cell
    if column == len(HEADERS) - 1:  # a location: its end (file name, line) matters most
        return "…" + cell[len(cell) - width + 1:]
    return cell[: width - 1] + "…"


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False,
           problems: bool = False, width: int | None = None) -> str:
    entries = sorted(report.selected(all_packages),
                     key=lambda e: (e.role == "none", e.file,
                                    e.package.location.line if e.package.location else 0))
    rows = [_row(entry, report.policy) for entry in entries]
    lines: list[str] = []
    if rows:
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
        if width is not None:
            widths = fit_widths(widths, width)
            rows = [tuple(_fit_cell(cell, w, i) for i, (cell, w) in enumerate(zip(row, widths)))
                    for row in rows]
        header = "  ".join(_fit_cell(h, w, 0).ljust(w)
                           for h, w in zip(HEADERS, widths)).rstrip()
        lines.append(f"\033[1m{header}\033[0m" if color else header)
        for entry, row in zip(entries, rows):
            cells = [_paint(cell.ljust(width), cell, color)
                     for cell, width in zip(row, widths)]
            lines.append("  ".join(cells).rstrip())
            lines.extend(source_lines(entry))
        lines.append("")
    else:
        lines.append("No package involves weights or training software.")
    lines.extend(summary_lines(report))
    if problems:
        lines.extend(problem_lines(report))
    return "\n".join(lines) + "\n"
