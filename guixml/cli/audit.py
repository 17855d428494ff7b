"""``guixml audit PATH...``: audit channels for pre-trained weights and report.

A thin layer over :func:`guixml.api.audit_report`: options from the command line
win over the channel's ``guixml.toml`` (guixml/config.py), which wins over
the defaults.  Exit status: 0 when no package reaches the ``--fail-on``
level, 1 when one does, 2 on a usage, config or parse error.

Several PATHs are indexed together so references between them resolve (a
channel and the Guix tree it builds on); the packages of every tree given are
reported unless ``--only TREE`` names the ones to report.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from guixml.api import DEFAULT_POLICY, audit_report
from guixml.cli.sources import add_source_options, source_options
from guixml.config import Config, find_config, load_config
from guixml.errors import GuixmlError
from guixml.report import FAIL_ON_LEVELS, FORMATS, render

DEFAULT_FAIL_ON = "reject"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "audit",
        help="audit channels for pre-trained ML weights and report",
        description=("Classify every package of the given trees (channel roots, Guix "
                     "checkouts or .scm files) and report those involving pre-trained "
                     "weights or training software, with the verdicts of a policy."),
        epilog=("exit status: 0 no finding at the --fail-on level, 1 findings, "
                "2 usage, config or parse error"))
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="trees to index together (a channel and the Guix tree it uses)")
    parser.add_argument("--format", "-f", choices=FORMATS,
                        help="report format (default: table, or the config's `format`)")
    parser.add_argument("--policy", "-p",
                        help=f"policy of the verdicts shown and of --fail-on "
                             f"(guix-2023, debian, osaid, gcd-008; default {DEFAULT_POLICY})")
    parser.add_argument("--fail-on", choices=FAIL_ON_LEVELS,
                        help=f"exit 1 when a package reaches this level: weights (any), "
                             f"review, reject (default {DEFAULT_FAIL_ON}), never")
    parser.add_argument("--all", "-a", action="store_true", dest="all_packages",
                        help="list every package, not only those involving weights or training")
    parser.add_argument("--only", action="append", metavar="TREE", default=[],
                        help="report only the packages and problems of TREE (one of the "
                             "PATHs); repeatable")
    parser.add_argument("--wide", action="store_true",
                        help="do not fit the table to the terminal's width (it is never "
                             "fitted when written to a pipe or a file)")
    parser.add_argument("--problems", action="store_true",
                        help="list every problem after the table (the other formats "
                             "always hold them all)")
    parser.add_argument("--changed-since", metavar="GIT_REV",
                        help="report only packages whose files changed since GIT_REV")
    parser.add_argument("--rules", action="append", metavar="FILE", default=[],
                        help="an extra rule file (TOML); repeatable")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE (atomically) instead of stdout")
    parser.add_argument("--config", metavar="FILE",
                        help="settings file (default: guixml.toml at the first PATH that has one)")
    parser.add_argument("--no-cache", action="store_true",
                        help="do not read or write the caches (parsed modules, reports)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the table (auto: only on a terminal)")
    add_source_options(parser)
    return parser


class ProgressBar:
    """A progress line on stderr, drawn only on a terminal and only once a run
    has lasted a second: short runs stay silent."""

    DELAY = 1.0

    def __init__(self, stream=None) -> None:
        # Looked up at each call, not at import: sys.stderr may be replaced since.
        self.stream = stream = stream if stream is not None else sys.stderr
        self.enabled = stream.isatty()
        self.started = time.monotonic()
        self.phase, self.done, self.total = "starting", 0, 0
        self.drawn = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.phase, self.done, self.total = phase, done, total

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            if time.monotonic() - self.started >= self.DELAY:
                self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.total:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            text = f"{self.phase:<16} [{bar}] {self.done}/{self.total}  {elapsed:5.1f}s"
        else:
            text = f"{self.phase:<16} {'.' * (int(elapsed * 2) % 4):<4} {elapsed:5.1f}s"
        self.stream.write("\r\033[K" + text)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def settings(args: argparse.Namespace) -> Config:
    file = args.config or find_config(args.paths)
    return load_config(file) if file else Config()


def write_output(data: bytes, output: str | None) -> None:
    """DATA (UTF-8) to stdout, or atomically to OUTPUT."""
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from guixml.atomic import write_bytes_atomic
    try:
        # No fsync: a report is cheap to make again, and syncing 50 MB would
        # double a warm run.
        write_bytes_atomic(output, data, durable=False)
    except OSError as error:
        raise GuixmlError(f"{output}: cannot write: {error.strerror}") from None


#: Formats whose text holds the current time: cached only under SOURCE_DATE_EPOCH.
TIMED_FORMATS = ("spdx", "cyclonedx")


def run(args: argparse.Namespace) -> int:
    config = settings(args)
    format = args.format or config.format or "table"
    if format not in FORMATS:
        raise GuixmlError(f"{config.file}: unknown format {format!r}; "
                          f"choose among {', '.join(FORMATS)}")
    fail_on = args.fail_on or config.fail_on or DEFAULT_FAIL_ON
    if fail_on not in FAIL_ON_LEVELS:
        raise GuixmlError(f"{config.file}: unknown fail-on level {fail_on!r}; "
                          f"choose among {', '.join(FAIL_ON_LEVELS)}")
    for tree in args.only:
        if not any(os.path.realpath(tree) == os.path.realpath(p) for p in args.paths):
            raise GuixmlError(f"--only {tree}: not one of the PATHs given")
    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ)
    width = None
    if format == "table" and not args.wide and args.output is None and sys.stdout.isatty():
        import shutil
        width = shutil.get_terminal_size().columns
    sources = source_options(args, args.paths)
    cache, key = None, None
    if not args.no_cache and not args.changed_since and sources is None and (
            format not in TIMED_FORMATS or "SOURCE_DATE_EPOCH" in os.environ):
        from guixml.index.cache import cache_directory
        from guixml.report.cache import ReportCache, report_stamp, storable
        cache = ReportCache(cache_directory())
        keyed_at = time.time_ns()
        options = {"format": format, "policy": args.policy or config.policy,
                   "all": args.all_packages, "color": color,
                   "problems": args.problems and format == "table", "width": width,
                   "only": sorted(os.path.realpath(p) for p in args.only),
                   "epoch": os.environ.get("SOURCE_DATE_EPOCH")}
        key, newest = report_stamp(args.paths, [*config.rules, *args.rules, config.file or ""],
                                   options)
        hit = cache.get(key)
        if hit is not None:
            data, meta = hit
            write_output(data, args.output)
            return exit_status(meta, fail_on)
    progress = ProgressBar()
    try:
        result = audit_report(args.paths, policy=args.policy, rules=args.rules, config=config,
                              cache=not args.no_cache, only=args.only or None,
                              changed_since=args.changed_since, progress=progress,
                              sources=sources)
    finally:
        progress.close()
    data = render(result, format, all_packages=args.all_packages, color=color,
                  problems=args.problems, width=width).encode()
    write_output(data, args.output)
    meta = outcome(result)
    if not result.packages and not args.changed_since:
        meta["empty"] = ", ".join(args.only or args.paths)
    if cache is not None and key is not None and storable(newest, keyed_at):
        cache.put(key, data, meta)
    return exit_status(meta, fail_on)


def outcome(result) -> dict:
    """What the exit status depends on, kept with a cached report."""
    levels = {entry.level(result.policy) for entry in result.packages if not entry.ignored}
    unreadable = [str(p) for p in result.problems if p.kind == "syntax"]
    return {"levels": sorted(level for level in levels if level),
            "unreadable": len(unreadable), "first_unreadable": unreadable[:1]}


def exit_status(meta: dict, fail_on: str) -> int:
    """2 when a file could not be read (the audit is incomplete), 1 when a
    package reaches the FAIL_ON level, else 0."""
    if meta.get("empty"):
        print(f"guixml: no package found under {meta['empty']}", file=sys.stderr)
        return 2
    if meta.get("unreadable"):
        print(f"guixml: {meta['unreadable']} file(s) could not be read, so the audit is "
              f"incomplete; first: {meta['first_unreadable'][0]}", file=sys.stderr)
        return 2
    if fail_on == "never":
        return 0
    threshold = FAIL_ON_LEVELS.index(fail_on)
    return 1 if any(FAIL_ON_LEVELS.index(level) >= threshold for level in meta["levels"]) \
        else 0
