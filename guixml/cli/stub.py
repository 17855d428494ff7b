"""``guixml stub URL``: a Guix package definition for a weights file."""

from __future__ import annotations

import argparse
import sys

from guixml.stub.generator import StubRequest, make_stub


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "stub",
        help="print a package definition for a weights file",
        description="Print a complete Guix package for the weights file at URL "
                    "(copy-build-system, installed under share/NAME/, ML annotations "
                    "filled), then, as comments, what a program's package adds to use it.")
    parser.add_argument("url", metavar="URL", help="where the weights file is downloaded from")
    parser.add_argument("--file", metavar="LOCAL",
                        help="a local copy of the file, to compute the sha256")
    parser.add_argument("--name", metavar="N", help="package name (default: from the URL)")
    parser.add_argument("--version", metavar="V", help='version (default: from the URL, else "0")')
    parser.add_argument("--license", metavar="SPDX",
                        help="the weights' licence, an SPDX expression")
    parser.add_argument("--synopsis", metavar="TEXT", help="one-line synopsis")
    parser.add_argument("--for", dest="consumer", metavar="PACKAGE",
                        help="the package that will use the weights (named in the snippet)")
    parser.add_argument("--no-snippet", action="store_true",
                        help="print only the package definition")
    return parser


def run(args: argparse.Namespace) -> int:
    stub = make_stub(StubRequest(url=args.url, file=args.file, name=args.name,
                                 version=args.version, license=args.license,
                                 synopsis=args.synopsis, consumer=args.consumer))
    sys.stdout.write(stub.text)
    if not args.no_snippet:
        sys.stdout.write("\n" + stub.snippet)
    for warning in stub.warnings:
        print(f"guixml: warning: {warning}", file=sys.stderr)
    return 0
