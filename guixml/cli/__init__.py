"""The ``guixml`` command line: a thin layer over the library.

Each sub-command lives in a module of this package that defines
``add_parser(subparsers)`` and ``run(args) -> int``; ``COMMANDS`` lists them
in the order ``guixml --help`` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from guixml.version import __version__
from guixml.errors import GuixmlError

COMMANDS = ("audit", "show", "annotate", "stub", "inspect", "packages", "stats", "read")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guixml",
        description="Find, explain and annotate pre-trained ML weights in Guix packages.",
    )
    parser.add_argument("--version", action="version", version=f"guixml {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"guixml.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"guixml.cli.{name}":
                continue  # not built yet
            raise
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except GuixmlError as error:
        print(f"guixml: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `guixml read … | head` is normal use, not an error.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
