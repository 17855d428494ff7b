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


def report_errors(index) -> None:
    for error in index.errors:
        print(f"guixml: warning: {error}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    index = load(args)
    out = sys.stdout
    for package in index.packages():
        if args.format == "jsonl":
            out.write(json.dumps(package_to_json(package), ensure_ascii=False) + "\n")
        else:
            out.write(f"{package.module}\t{package.variable}\t"
                      f"{package.name or '?'}@{package.version or '?'}\n")
    report_errors(index)
    return 0
