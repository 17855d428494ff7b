"""``guixml stats PATH...``: how much of a channel static evaluation understood."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from guixml.cli.packages import add_index_options, load


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "stats",
        help="coverage figures of the static package model on a channel",
        description="Index the channel under each PATH and print: packages found, the "
                    "fraction whose name and version evaluated to strings, the fraction "
                    "of inputs resolved to a definition, and unresolved constructs by kind.",
    )
    add_index_options(parser)
    return parser


def coverage(index) -> dict:
    """The figures ``guixml stats`` prints, as a dictionary."""
    packages = index.packages()
    named = sum(1 for p in packages if p.name is not None and p.version is not None)
    inputs = [i for p in packages for i in p.all_inputs()]
    resolved = sum(1 for i in inputs if (i.kind == "package" and i.name is not None)
                   or (i.kind == "origin" and i.origin is not None and i.origin.uris))
    kinds: Counter = Counter()
    for p in packages:
        for u in p.unresolved:
            kinds[u.kind] += 1
    return {
        "modules": len(index.channel_modules),
        "packages": len(packages),
        "name_version": named,
        "inputs": len(inputs),
        "inputs_resolved": resolved,
        "unresolved": dict(kinds.most_common()),
        "errors": len(index.errors),
    }


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "n/a"


def run(args: argparse.Namespace) -> int:
    index = load(args)
    c = coverage(index)
    out = sys.stdout
    out.write(f"modules: {c['modules']}\n")
    out.write(f"packages found: {c['packages']}\n")
    out.write(f"name and version resolved to strings: {c['name_version']}/{c['packages']} "
              f"({_pct(c['name_version'], c['packages'])})\n")
    out.write(f"inputs resolved to a definition: {c['inputs_resolved']}/{c['inputs']} "
              f"({_pct(c['inputs_resolved'], c['inputs'])})\n")
    out.write(f"definitions not evaluated: {c['errors']}\n")
    out.write("unresolved constructs by kind:\n")
    for kind, count in c["unresolved"].items():
        out.write(f"  {kind}: {count}\n")
    return 0
