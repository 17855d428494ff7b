"""``guixml inspect PATH``: find weight files in a source tree or archive by content.

Exit status: 0 when nothing was found, 1 when weights were found, 2 when the
path cannot be inspected — or when parts of it could not be read and nothing
was found in the rest (a clean answer must mean a complete scan).
"""

from __future__ import annotations

import argparse
import json
import sys

from guixml.classify.inspect import inspect_path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inspect",
        help="find weight files in a source tree or archive by content",
        description="Find pre-trained weights in a source directory or archive (tar, "
                    "tar.gz/xz/bz2, zip) by their content, without loading them. "
                    "Exit 0: nothing found; 1: weights found; 2: error.")
    parser.add_argument("path", metavar="PATH", help="a directory, an archive or a single file")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="one line per finding (default) or one JSON document")
    return parser


def run(args: argparse.Namespace) -> int:
    result = inspect_path(args.path)
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for finding in result.findings:
            print(finding)
        if not result.findings:
            print(f"no weight files found in {args.path}")
    for error in result.errors:
        print(f"guixml: warning: {error}", file=sys.stderr)
    if result.findings:
        return 1
    return 2 if result.errors else 0
