"""``guixml audit --format html``: one self-contained page to publish from CI.

Counts per role and per policy verdict as inline SVG charts, then a table of
packages that sorts (click a header), filters (text, role, verdict) and expands
(click a row) to the package's inputs, evidence and suggested annotation.
Everything is inline: the page needs no network, and without JavaScript it
still shows every row and its details.
"""

from __future__ import annotations

from html import escape

from guixml.version import __version__
from guixml.report.base import (VERDICTS, AuditReport, PackageReport, grouped_evidence,
                                relative_file)
from guixml.classify.results import ROLES

ROLE_COLORS = {"model": "#8e44ad", "separate": "#16a085", "tangled": "#d35400",
               "external": "#2c6fbb", "none": "#95a5a6"}
VERDICT_COLORS = {"accept": "#2e8b57", "review": "#d4a017", "reject": "#c0392b"}

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;
max-width:78em;padding:0 1em;color:#222;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.meta{color:#666;margin:0 0 1em}.charts{display:flex;flex-wrap:wrap;gap:2em}
.charts figure{margin:0}.charts figcaption{font-weight:600;margin-bottom:.3em}
svg text{font:12px system-ui,sans-serif;fill:#222}
.controls{display:flex;gap:.8em;flex-wrap:wrap;align-items:center;margin:.6em 0}
.controls input,.controls select{font:inherit;padding:.25em .4em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .5em;
vertical-align:top}thead th{position:sticky;top:0;background:#f3f3f3;cursor:pointer;
user-select:none;border-bottom:2px solid #ccc;white-space:nowrap}
thead th[aria-sort=ascending]::after{content:" \\25B2"}
thead th[aria-sort=descending]::after{content:" \\25BC"}
tbody.pkg{border-bottom:1px solid #e3e3e3}tr.main{cursor:pointer}tr.main td{vertical-align:baseline}
tr.main td:first-child{white-space:nowrap}tr.main td:last-child{overflow-wrap:normal;word-break:normal}tr.main:hover{background:#f8f8ff}
tr.detail td{background:#fafafa;padding:.6em 1em 1em}.js tr.detail{display:none}
.js tbody.open tr.detail{display:table-row}.badge{display:inline-block;padding:0 .45em;
border-radius:.6em;color:#fff;font-size:.85em;white-space:nowrap}
.mono,code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em}
pre{background:#f0f0f0;padding:.6em;overflow-x:auto;margin:.3em 0}
.detail table{width:auto}.detail th{background:none;position:static;cursor:auto;
border-bottom:1px solid #ccc}.muted{color:#888}.problems li{font-family:monospace}
#count{color:#666}
"""

SCRIPT = """
(function(){
document.documentElement.classList.add('js');
var table=document.getElementById('packages'),heads=table.tHead.rows[0].cells;
var bodies=function(){return Array.prototype.slice.call(table.tBodies);};
bodies().forEach(function(b){b.rows[0].addEventListener('click',function(e){
 if(e.target.closest('a'))return;b.classList.toggle('open');
 b.rows[0].setAttribute('aria-expanded',b.classList.contains('open'));});});
Array.prototype.forEach.call(heads,function(th,i){th.addEventListener('click',function(){
 var asc=th.getAttribute('aria-sort')!=='ascending';
 Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
 th.setAttribute('aria-sort',asc?'ascending':'descending');
 var num=th.dataset.type==='number';
 bodies().sort(function(a,b){var x=a.rows[0].cells[i].dataset.sort||a.rows[0].cells[i].textContent,
  y=b.rows[0].cells[i].dataset.sort||b.rows[0].cells[i].textContent;
  var c=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);return asc?c:-c;})
 .forEach(function(b){table.appendChild(b);});});});
var q=document.getElementById('q'),role=document.getElementById('role'),
 verdict=document.getElementById('verdict'),count=document.getElementById('count');
function filter(){var text=q.value.toLowerCase(),shown=0;bodies().forEach(function(b){
 var ok=(!text||b.textContent.toLowerCase().indexOf(text)>=0)&&
 (!role.value||b.dataset.role===role.value)&&(!verdict.value||b.dataset.verdict===verdict.value);
 b.hidden=!ok;if(ok)shown++;});count.textContent=shown+' of '+bodies().length+' shown';}
[q,role,verdict].forEach(function(el){el.addEventListener('input',filter);});filter();
})();
"""


def _badge(text: str, color: str) -> str:
    return f'<span class="badge" style="background:{color}">{escape(text)}</span>'


def _bar_chart(title: str, counts: dict[str, int], colors: dict[str, str]) -> str:
    """A horizontal bar chart as inline SVG."""
    rows = [(name, count) for name, count in counts.items()]
    top = max([count for _, count in rows] + [1])
    width, bar_left, bar_width, row_height = 360, 80, 230, 24
    height = row_height * len(rows) + 8
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for i, (name, count) in enumerate(rows):
        y = 4 + i * row_height
        length = round(bar_width * count / top) if count else 0
        parts.append(f'<text x="{bar_left - 6}" y="{y + 15}" text-anchor="end">'
                     f"{escape(name)}</text>")
        parts.append(f'<rect x="{bar_left}" y="{y + 2}" width="{max(length, 1)}" height="17" '
                     f'rx="2" fill="{colors.get(name, "#888")}"><title>{escape(name)}: '
                     f"{count}</title></rect>")
        parts.append(f'<text x="{bar_left + length + 6}" y="{y + 15}">{count}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _stacked_chart(report: AuditReport) -> str:
    """Verdicts of every policy on the packages shipping weights, stacked."""
    policies = report.policies or (report.policy,)
    width, left, bar_width, row_height = 420, 80, 300, 26
    height = row_height * len(policies) + 30
    parts = [f'<svg role="img" aria-label="Verdicts per policy" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg"><title>Verdicts per policy</title>']
    for i, policy in enumerate(policies):
        counts = report.verdict_counts(policy)
        total = sum(counts.values()) or 1
        y = 4 + i * row_height
        weight = "font-weight:700" if policy == report.policy else ""
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" '
                     f'style="{weight}">{escape(policy)}</text>')
        x = left
        for verdict in VERDICTS:
            count = counts.get(verdict, 0)
            if not count:
                continue
            length = bar_width * count / total
            parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{length:.1f}" height="18" '
                         f'fill="{VERDICT_COLORS[verdict]}"><title>{escape(policy)}: '
                         f"{count} {verdict}</title></rect>")
            if length >= 18:
                parts.append(f'<text x="{x + length / 2:.1f}" y="{y + 15}" '
                             f'text-anchor="middle" style="fill:#fff">{count}</text>')
            x += length
    legend_y = height - 10
    for j, verdict in enumerate(VERDICTS):
        lx = left + j * 90
        parts.append(f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" '
                     f'fill="{VERDICT_COLORS[verdict]}"/>'
                     f'<text x="{lx + 16}" y="{legend_y}">{verdict}</text>')
    parts.append("</svg>")
    return ("<figure><figcaption>Verdicts per policy (packages shipping weights)"
            f"</figcaption>{''.join(parts)}</figure>")


def _evidence_rows(evidence, roots) -> str:
    rows = []
    for item in grouped_evidence(evidence):
        where = ""
        if item.location is not None:
            file, _ = relative_file(item.location.file, roots)
            where = f"{file}:{item.location.line}:{item.location.column}"
        note = f" — {escape('; '.join(item.notes))}" if item.notes else ""
        rules = ", ".join(f"<code>{escape(rule)}</code>" for rule in item.rules)
        rows.append(f"<li>{rules} in <em>{escape(item.field)}</em>: "
                    f"<span class=mono>{escape(item.matched)}</span>{note} "
                    f"<span class=muted>{escape(where)}</span></li>")
    return "<ul>" + "".join(rows) + "</ul>" if rows else "<p class=muted>No evidence.</p>"


def _detail(entry: PackageReport, report: AuditReport) -> str:
    audit = entry.audit
    package = audit.package
    parts = [f"<p><strong>{escape(package.module)}</strong> "
             f"<code>{escape(package.variable or '')}</code>"
             + (f" — {escape(package.synopsis)}" if package.synopsis else "") + "</p>"]
    parts.append("<h3>Conclusions</h3>" + _evidence_rows(audit.evidence, report.roots))
    if audit.inputs:
        rows = []
        for verdict in audit.inputs:
            name = verdict.label or verdict.ref or ("(source)" if verdict.field == "source"
                                                    else "?")
            evidence = "; ".join(f"{e.rule}: {e.matched}" for e in verdict.evidence)
            rows.append(f"<tr><td class=mono>{escape(name)}</td><td>{escape(verdict.field)}</td>"
                        f"<td>{escape(verdict.kind)}</td><td>{escape(verdict.cls)}</td>"
                        f"<td>{verdict.confidence:.2f}</td><td class=mono>{escape(evidence)}"
                        "</td></tr>")
        parts.append("<h3>Inputs</h3><table><thead><tr><th>input</th><th>field</th><th>kind</th>"
                     "<th>class</th><th>confidence</th><th>evidence</th></tr></thead><tbody>"
                     + "".join(rows) + "</tbody></table>")
    if entry.verdicts:
        items = "".join(
            f"<li>{_badge(v.verdict, VERDICT_COLORS.get(v.verdict, '#888'))} "
            f"<strong>{escape(v.policy)}</strong> "
            f"<span class=mono>{escape(', '.join(v.reasons))}</span></li>"
            for v in entry.verdicts)
        parts.append(f"<h3>Policy verdicts</h3><ul>{items}</ul>")
    if entry.suggestion_text:
        parts.append("<h3>Suggested annotation</h3><pre>"
                     f"{escape(entry.suggestion_text)}</pre>")
    return "".join(parts)


def _weights_license(audit) -> str:
    """The weights' licence as the table shows it: "unknown" when the package
    has weights whose licence was not established."""
    if audit.weights_license:
        return audit.weights_license
    return "unknown" if audit.weights not in ("none", "external") else ""


def _row(entry: PackageReport, report: AuditReport, columns: int) -> str:
    audit = entry.audit
    package = audit.package
    chosen = entry.verdict(report.policy)
    shows_verdict = audit.weights != "none"
    verdict = chosen.verdict if chosen and shows_verdict else ""
    line = package.location.line if package.location else 0
    cells = [
        f'<td><strong>{escape(package.name or "?")}</strong></td>',
        f'<td class=mono>{escape(package.version or "")}</td>',
        f'<td data-sort="{ROLES.index(audit.weights)}">'
        f'{_badge(audit.weights, ROLE_COLORS[audit.weights])}</td>',
        f'<td>{"yes" if audit.training_software else ""}</td>',
        f'<td class=mono>{escape(", ".join(audit.weight_inputs))}</td>',
        f'<td class=mono>{escape(_weights_license(audit))}</td>',
    ]
    for policy in report.policies or (report.policy,):
        v = entry.verdict(policy)
        text = _badge(v.verdict, VERDICT_COLORS.get(v.verdict, "#888")) \
            if v and shows_verdict else ""
        if text and entry.ignored:  # as the table says: shown, never a finding
            text += ' <span class=muted title="ignored by the channel\'s config">(ignored)</span>'
        order = VERDICTS.index(v.verdict) if v and shows_verdict and v.verdict in VERDICTS else -1
        cells.append(f'<td data-sort="{order}">{text}</td>')
    # Broken only after a slash, never inside a file name or a number.
    where = escape(entry.file).replace("/", "/<wbr>") + (f":{line}" if line else "")
    cells.append(f'<td class=mono data-sort="{escape(entry.file)}:{line:06d}">{where}</td>')
    return (f'<tbody class=pkg data-role="{audit.weights}" data-verdict="{verdict}">'
            f'<tr class=main aria-expanded="false">{"".join(cells)}</tr>'
            f'<tr class=detail><td colspan="{columns}">{_detail(entry, report)}</td></tr>'
            "</tbody>")


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    entries = sorted(report.selected(all_packages),
                     key=lambda e: (ROLES.index(e.role), e.package.name or ""))
    policies = report.policies or (report.policy,)
    headers = ["package", "version", "role", "trains", "weight inputs", "weights licence",
               *policies, "defined at"]
    role_counts = {role: count for role, count in report.role_counts().items()
                   if role != "none"}
    verdict_counts = {k: v for k, v in report.verdict_counts().items() if k in VERDICTS}
    roots = ", ".join(report.roots) or "a channel"
    role_options = "".join(f'<option value="{r}">{r}</option>' for r in ROLES)
    verdict_options = "".join(f'<option value="{v}">{v}</option>' for v in VERDICTS)
    problems = ""
    if report.problems:
        problems = ("<h2>Problems while reading</h2><ul class=problems>"
                    + "".join(f"<li>{escape(str(p))}</li>" for p in report.problems[:200])
                    + "</ul>")
    head_cells = "".join(f"<th scope=col>{escape(h)}</th>" for h in headers)
    rows = "".join(_row(entry, report, len(headers)) for entry in entries)
    listed = "every package" if all_packages else "packages involving weights or training software"
    involved = sum(role_counts.values())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>guixml audit: {escape(roots)}</title>
<style>{STYLE}</style></head>
<body>
<h1>Pre-trained weights in {escape(roots)}</h1>
<p class=meta>{len(report.packages)} packages audited by guixml {escape(__version__)};
{involved} involve weights, {report.training_software_count()} can train models.
Chosen policy: <strong>{escape(report.policy)}</strong>. Listed: {listed}.</p>
<div class=charts>
{_bar_chart("Packages per ml-weights role", role_counts, ROLE_COLORS)}
{_bar_chart(f"Verdicts of {report.policy}", verdict_counts, VERDICT_COLORS)}
{_stacked_chart(report)}
</div>
<h2>Packages</h2>
<div class=controls>
<label>Filter <input id=q type=search placeholder="name, module, licence, evidence…"></label>
<label>Role <select id=role><option value="">any</option>{role_options}</select></label>
<label>Verdict ({escape(report.policy)}) <select id=verdict><option value="">any</option>
{verdict_options}</select></label>
<span id=count></span></div>
<table id=packages><thead><tr>{head_cells}</tr></thead>
{rows}
</table>
{problems}
<script>{SCRIPT}</script>
</body></html>
"""
