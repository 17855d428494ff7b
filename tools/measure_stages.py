"""CPU and wall seconds of each stage of a cold audit, in one process.

Usage::

    python tools/measure_stages.py [GUIX_SOURCE] [--jobs N] [--profile STAGE] [--limit N]

Stages, in order, each timed on its own (``time.process_time`` of this
process plus its finished children, and wall): ``read`` (the reader alone
over every file, untimed work of the next stages not included),
``evaluate`` (the per-file index: reading again plus static evaluation,
``load_channel`` without cache), ``link`` (``index.packages()``),
``decode`` (every packed package decoded), ``classify``
(``classify_packages``) and ``report`` (``render`` as JSON).  The mode is
the one ``guixml`` imports (``GUIXML_PURE=1`` for pure Python); the first
line says it.  ``--profile STAGE`` runs that stage under cProfile and prints
its 40 hottest functions by own time.  ``--classify-gc running`` classifies
with the cyclic collector running (``guixml.index.collector.gc_paused`` not
applied there), to measure what that pause saves.  ``--limit N`` takes only the first N
package modules (sorted), for quick runs.  No cache is read or written.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--classify-gc", choices=("paused", "running"), default="paused",
                        help="classify with the collector paused (as guixml does) or running")
    args = parser.parse_args(argv)
    import guixml.version as version
    from guixml.scheme import read_file
    from guixml.index.channel import load_channel
    from guixml.api import classify_packages
    print(f"guixml {version.__version__}, {version.build_mode()}", flush=True)
    root = Path(args.source)
    files = sorted((root / "gnu" / "packages").glob("*.scm"))
    paths = [str(root)]
    if args.limit:
        import shutil
        import tempfile
        copy = Path(tempfile.mkdtemp(prefix="guixml-stages-"))
        (copy / "gnu" / "packages").mkdir(parents=True)
        for path in files[:args.limit]:
            shutil.copy(path, copy / "gnu" / "packages" / path.name)
        files = sorted((copy / "gnu" / "packages").glob("*.scm"))
        paths = [str(copy)]
    state: dict = {}

    def read() -> None:
        for path in files:
            try:
                read_file(path)
            except Exception:  # noqa: BLE001 (a file the reader refuses: as the index does)
                pass

    def evaluate() -> None:
        state["index"] = load_channel(paths, jobs=args.jobs, use_cache=False)

    def link() -> None:
        state["packed"] = state["index"].packages()

    def decode() -> None:
        state["packages"] = list(state["packed"])

    def classify() -> None:
        from guixml.classify.rules import load_rules
        if args.classify_gc == "running":
            import contextlib
            import guixml.api
            guixml.api.gc_paused = contextlib.nullcontext  # type: ignore[assignment]
        state["audits"] = classify_packages(state["index"], load_rules(), state["packages"],
                                            None, jobs=args.jobs)

    def report() -> None:
        from guixml.api import report_of
        from guixml.classify.results import AuditResult
        from guixml.report import render
        result = AuditResult(packages=tuple(state["audits"]))
        state["bytes"] = len(render(report_of(result, roots=paths), "json").encode())

    stages = [("read", read), ("evaluate", evaluate), ("link", link), ("decode", decode),
              ("classify", classify), ("report", report)]
    total_cpu = total_wall = 0.0
    for name, stage in stages:
        cpu, wall = _cpu(), time.perf_counter()
        if name == args.profile:
            import cProfile
            import pstats
            profile = cProfile.Profile()
            profile.runcall(stage)
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        else:
            stage()
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        if name != "read":
            total_cpu += cpu
            total_wall += wall
        print(f"{name:9s} cpu {cpu:6.2f} s  wall {wall:6.2f} s", flush=True)
    print(f"{'total':9s} cpu {total_cpu:6.2f} s  wall {total_wall:6.2f} s  (read not counted)")
    if args.limit:
        import shutil
        shutil.rmtree(paths[0], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
