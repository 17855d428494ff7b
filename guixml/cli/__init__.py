"""The ``guixml`` command line: a thin layer over the library.

Each sub-command lives in a module of this package that defines
``add_parser(subparsers)`` and ``run(args) -> int``; ``COMMANDS`` lists them
in the order ``guixml --help`` shows them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from guixml.version import __version__, build_mode
from guixml.errors import GuixmlError

COMMANDS = ("audit", "show", "annotate", "stub", "inspect", "packages", "stats", "read")


class _Version(argparse.Action):
    """``--version``: the version and the mode, on one line never wrapped."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"guixml {__version__}, {build_mode()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guixml",
        description="Find, explain and annotate pre-trained ML weights in Guix packages.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and the mode "
                        "installed (pure Python, or compiled: which modules) and exit")
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
