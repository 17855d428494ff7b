"""``guixml show PACKAGE [PATH...]``: everything guixml knows about one package.

Its role, weight inputs, weights licence and training-software flag, the
evidence behind each conclusion, every input with its class and evidence,
the annotation (as written, or as guixml suggests it) and each policy's
verdict.  PACKAGE is a package name, ``name@version``, a variable, or
``"(module) variable"``; PATHs default to the current directory.
"""

from __future__ import annotations

import argparse
import json
import sys

from guixml.api import show
from guixml.cli.audit import settings
from guixml.cli.sources import add_source_options, source_options
from guixml.report import grouped_evidence
from guixml.report.base import PackageReport, relative_file
from guixml.report.json import package_json


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "show",
        help="everything guixml knows about one package",
        description=("Show one package's ML role, inputs with their classes and "
                     "evidence, annotation and policy verdicts."))
    parser.add_argument("package", metavar="PACKAGE",
                        help="name, name@version, variable or '(module) variable'")
    parser.add_argument("paths", nargs="*", metavar="PATH", default=None,
                        help="trees to index together (default: the current directory)")
    parser.add_argument("--json", action="store_true", help="print JSON (the audit schema)")
    parser.add_argument("--policy", "-p", help="the policy to highlight (default guix-2023)")
    parser.add_argument("--rules", action="append", metavar="FILE", default=[],
                        help="an extra rule file (TOML); repeatable")
    parser.add_argument("--config", metavar="FILE", help="settings file (guixml.toml)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    add_source_options(parser)
    return parser


def _where(location, roots) -> str:
    if location is None:
        return ""
    file, _ = relative_file(location.file, roots)
    return f"{file}:{location.line}:{location.column}"


def _near_misses(audit, roots) -> list[str]:
    """Evidence that did not reach a conclusion (too weak, or vetoed)."""
    misses = getattr(audit, "near_misses", ())
    if not misses:
        return []
    lines = ["", "Near misses (evidence that did not reach a conclusion):"]
    for miss in misses:
        if miss.vetoed_by is not None:
            lines.append(f"  vetoed: {miss.conclusion}, by {miss.vetoed_by.rule}"
                         f"  [{miss.vetoed_by.field}]  {miss.vetoed_by.matched}")
        else:
            lines.append(f"  weak: {miss.conclusion}, score {miss.score:.2f}"
                         f" (needs {miss.threshold:.2f})")
        for evidence in miss.evidence:
            lines.append(f"      {evidence.rule}  [{evidence.field}]  {evidence.matched}"
                         + (f"  ({_where(evidence.location, roots)})" if evidence.location
                            else ""))
    return lines


def describe(entry: PackageReport, roots: tuple[str, ...], policy: str) -> str:
    audit = entry.audit
    package = audit.package
    lines = [f"{package.name}@{package.version}  {package.module} {package.variable}",
             f"  defined at      {_where(package.location, roots) or entry.file}"]
    if package.synopsis:
        lines.append(f"  synopsis        {package.synopsis}")
    lines.append(f"  ml-weights      {audit.weights}"
                 + ("  (from its properties annotation)" if audit.from_properties else "")
                 + f"  confidence {audit.confidence:.2f}")
    if audit.weight_inputs:
        lines.append(f"  weight inputs   {', '.join(audit.weight_inputs)}")
    if audit.weights != "none":
        flags = []
        if audit.weights_license_fsf_libre is not None:
            flags.append("FSF libre" if audit.weights_license_fsf_libre else "not FSF libre")
        if audit.weights_license_osi_approved is not None:
            flags.append("OSI approved" if audit.weights_license_osi_approved
                         else "not OSI approved")
        lines.append(f"  weights licence {audit.weights_license or 'unknown'}"
                     + (f" ({', '.join(flags)})" if flags else ""))
    lines.append(f"  trains models   {'yes' if audit.training_software else 'no'}")
    lines.append("")
    lines.append("Evidence:")
    for group in grouped_evidence(audit.evidence or ()):
        lines.append(f"  {', '.join(group.rules)}  [{group.field}]  {group.matched}"
                     + (f"  ({_where(group.location, roots)})" if group.location else ""))
        for note in group.notes:
            lines.append(f"      {note}")
    if not audit.evidence:
        lines.append("  none: no rule matched")
    lines.extend(_near_misses(audit, roots))
    lines.append("")
    lines.append("Inputs:")
    if audit.inputs:
        rows = [("FIELD", "INPUT", "KIND", "CLASS", "CONF", "EVIDENCE")]
        for verdict in audit.inputs:
            name = verdict.label or verdict.ref or "(source)"
            evidence = "; ".join(f"{e.rule}: {e.matched}" for e in verdict.evidence)
            rows.append((verdict.field, name, verdict.kind, verdict.cls,
                         f"{verdict.confidence:.2f}", evidence))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            lines.append("  " + "  ".join(cell.ljust(width) for cell, width
                                          in zip(row[:5], widths)) + "  " + row[5])
    else:
        lines.append("  none")
    lines.append("")
    if entry.suggestion_text:
        existing = any(key.startswith("ml-") for key, _ in package.properties or ())
        lines.append("Annotation (as written, merged with guixml's suggestion):" if existing
                     else "Suggested annotation (guixml annotate writes it):")
        lines.extend("  " + line for line in entry.suggestion_text.splitlines())
    else:
        lines.append("Annotation: none needed (no weights involved).")
    lines.append("")
    lines.append("Policy verdicts:")
    for verdict in entry.verdicts:
        mark = "*" if verdict.policy == policy else " "
        lines.append(f" {mark}{verdict.policy:<10} {verdict.verdict:<7} "
                     f"{', '.join(verdict.reasons)}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    args.paths = paths
    config = settings(args)
    entries = show(args.package, paths, policy=args.policy, rules=args.rules, config=config,
                   cache=not args.no_cache, sources=source_options(args, paths))
    policy = args.policy or config.policy or "guix-2023"
    roots = tuple(paths)
    if args.json:
        sys.stdout.write(json.dumps([package_json(e, roots) for e in entries], indent=2,
                                    ensure_ascii=False) + "\n")
        return 0
    sys.stdout.write("\n".join(describe(entry, roots, policy) for entry in entries))
    return 0
