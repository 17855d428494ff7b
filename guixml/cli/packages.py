"""``guixml packages PATH...``: every package of a channel, statically evaluated."""

from __future__ import annotations

import argparse
import json
import sys

from guixml.index.channel import load_channel
from guixml.evaluate.serialize import package_to_json


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "packages",
        help="list every package of a channel or Guix checkout",
        description="Evaluate the package definitions under each PATH statically and list "
                    "every package bound to a public variable, with its source and "
                    "inputs resolved (schema: docs/packages.md).",
    )
    add_index_options(parser)
    parser.add_argument("--format", choices=("jsonl", "text"), default="text",
                        help="jsonl: one JSON object a line; text: module, variable, "
                             "name@version (default)")
    return parser


def add_index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="channel root, Guix checkout or .scm file")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the index cache")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="worker processes for reading files (default: CPU count)")


def load(args: argparse.Namespace):
    return load_channel(args.paths, jobs=args.jobs, use_cache=not args.no_cache)


def report_errors(index, paths) -> int:
    """Print INDEX's problems (those of modules that define no package are
    left out); 2 when a file could not be read or no package was found, else 0."""
    from guixml.api import reported_problems
    problems = reported_problems(index)
    for problem in problems:
        print(f"guixml: warning: {problem}", file=sys.stderr)
    unread = [p for p in problems if p.kind == "syntax"]
    if unread:
        print(f"guixml: {len(unread)} file(s) could not be read, so the list is "
              f"incomplete; first: {unread[0]}", file=sys.stderr)
        return 2
    if not index.packages():
        print(f"guixml: no package found under {', '.join(paths)}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> int:
    index = load(args)
    out = sys.stdout
    for package in index.packages():
        if args.format == "jsonl":
            out.write(json.dumps(package_to_json(package), ensure_ascii=False) + "\n")
        else:
            out.write(f"{package.module}\t{package.variable}\t"
                      f"{package.name or '?'}@{package.version or '?'}\n")
    return report_errors(index, args.paths)
