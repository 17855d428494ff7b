"""``guixml read FILE...``: every top-level datum, one per line, as Guile writes it.

The output is the conformance contract of the reader and writer: for each
form it is byte-identical to what ``tests/guile/read-write.scm`` prints (Guile
3.0.8, ``LC_ALL=C.UTF-8``, Guix's gexp syntax).
"""

from __future__ import annotations

import argparse
import sys

from guixml.scheme.reader import read_file
from guixml.scheme.writer import write


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "read",
        help="print every datum of Scheme files as Guile's write prints it",
        description="Read each FILE as Guile (with Guix's gexp syntax) reads it and "
                    "print every top-level datum on a line of its own, in the "
                    "notation of Guile's write.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="Scheme source file")
    return parser


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    for path in args.files:
        try:
            data = read_file(path)
        except OSError as error:
            print(f"guixml: {path}: {error.strerror}", file=sys.stderr)
            return 2
        out.write("".join(write(datum) + "\n" for datum in data))
    out.flush()
    return 0
