#!/usr/bin/env python3
"""Speed and memory of source inspection against decompressing to nowhere.

Usage:
    python3 tools/bench_sources.py DIR [DIR…] [--repeat N]

For every tar archive (any compression) under the DIRs: the wall and CPU time
of ``tar -xOf ARCHIVE >/dev/null`` and of guixml's inspection
(:func:`guixml.classify.content.inspect_source`) of the same archive, run
alternately in fresh processes, and the inspection's peak RSS (the inspection timed inside its process, after
its imports, as in an audit; tar's whole run, its start included).  Prints the
totals, their ratio (target ≤ 1.5) and the largest archive and member beside
the peak RSS (memory should stay flat in their size).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tar.lz", ".tbz2")

# One process inspects the archive (as an audit does, its imports paid once
# before the clock starts): wall and CPU of the inspection alone (its
# decompressing child processes included, as tar's are), peak RSS.
INSPECT = ("import sys, time, resource; sys.path.insert(0, %r)\n"
           "from guixml.classify.content import inspect_source\n"
           "R = resource\n"
           "cpu = lambda: sum(getattr(R.getrusage(w), f) for w in (R.RUSAGE_SELF, "
           "R.RUSAGE_CHILDREN) for f in ('ru_utime', 'ru_stime'))\n"
           "w, c0 = time.perf_counter(), cpu()\n"
           "c = inspect_source(sys.argv[1], scratch=sys.argv[2])\n"
           "print(len(c.findings), c.files, c.bytes, "
           "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
           "time.perf_counter() - w, cpu() - c0)\n") % str(ROOT)


def timed(command: list[str], **kwargs) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scratch", default="/tmp/guixml-bench-scratch")
    args = parser.parse_args(argv)
    archives = sorted(str(p) for d in args.dirs for p in Path(d).rglob("*")
                      if p.is_file() and p.name.endswith(ARCHIVE))
    tar_wall = tar_cpu = ins_wall = ins_cpu = 0.0
    peak = 0
    total_bytes = 0
    largest_member = 0
    for round_ in range(args.repeat):
        for archive in archives:
            wall, cpu, _ = timed(["sh", "-c", 'tar -xOf "$1" >/dev/null 2>&1', "sh", archive])
            tar_wall += wall
            tar_cpu += cpu
            _, _, out = timed([sys.executable, "-c", INSPECT, archive, args.scratch])
            fields = out.split()
            if len(fields) == 6:
                peak = max(peak, int(fields[3]))
                ins_wall += float(fields[4])
                ins_cpu += float(fields[5])
                total_bytes += int(fields[2]) if round_ == 0 else 0
    for archive in archives:
        try:
            with tarfile.open(archive) as tar:
                largest_member = max([largest_member, *(m.size for m in tar if m.isfile())])
        except (tarfile.TarError, OSError, EOFError):
            pass
    largest = max((os.path.getsize(a) for a in archives), default=0)
    print(f"{len(archives)} archives, {total_bytes / 1e6:.0f} MB unpacked, "
          f"repeat {args.repeat}")
    print(f"tar -xOf >/dev/null : wall {tar_wall:.2f} s  cpu {tar_cpu:.2f} s")
    print(f"guixml inspection   : wall {ins_wall:.2f} s  cpu {ins_cpu:.2f} s")
    print(f"ratio               : wall {ins_wall / tar_wall:.2f}  cpu {ins_cpu / tar_cpu:.2f}"
          "  (target <= 1.5)")
    print(f"peak RSS of one inspection: {peak / 1024:.0f} MiB; largest archive "
          f"{largest / 1e6:.0f} MB, largest member {largest_member / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
