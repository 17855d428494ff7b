#!/usr/bin/env python3
"""Peak memory of source inspection against the size of the largest member.

Usage:
    python3 tools/bench_source_memory.py [--sizes MB …] [--compressions gz xz …]
        [--scratch DIR]

For each size and compression, writes into SCRATCH (a temporary directory by
default) a tar whose one large member is a GGUF weight file of that many MB (a
header and a repeated 16 KiB pseudo-random block: cheap to make and to
compress, yet read, hashed and reported in full), beside a small C file; then
in a fresh process for each: the content inspection of an audit
(:func:`guixml.classify.content.inspect_source`) and the hashes of
``--sources`` (:func:`guixml.sources.item_hashes`, the archive's unpacked NAR
hash included).  Prints each process's peak RSS (``VmHWM``) and CPU seconds,
and checks that the weight file was found with its sha256.  Each archive is
deleted after its runs.  Memory should stay flat in the member's size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = random.Random(1).randbytes(16 << 10)
COMPRESSORS = {"gz": ["gzip", "-1"], "xz": ["xz", "-0", "-T1"], "bz2": ["bzip2", "-1"],
               "zst": ["zstd", "-1", "-q"], "": None}

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from guixml.classify.content import inspect_source
from guixml.sources import item_hashes
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
what, path, scratch = sys.argv[2], sys.argv[3], sys.argv[4]
start = hwm()
if what == "inspect":
    content = inspect_source(path, scratch=scratch)
    out = {"findings": [[f.path, f.sha256] for f in content.findings if f.kind == "weights"],
           "warnings": list(content.warnings)}
else:
    warnings = []
    out = {"hashes": item_hashes(path, None, scratch=scratch, warnings=warnings),
           "warnings": [w.message for w in warnings]}
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
out.update(hwm_kib=hwm(), hwm_at_start_kib=start,
           cpu=usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime)
print(json.dumps(out))
"""


def member_stream(size: int):
    header = b"GGUF" + struct.pack("<IQQ", 3, 7, 2)
    yield header
    left = size - len(header)
    while left > 0:
        chunk = BLOCK[:min(left, len(BLOCK))]
        yield chunk
        left -= len(chunk)


class _Iter:
    def __init__(self, size: int) -> None:
        self.parts = member_stream(size)
        self.pending = b""

    def read(self, n: int) -> bytes:
        while len(self.pending) < n:
            try:
                self.pending += next(self.parts)
            except StopIteration:
                break
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


def make_archive(path: Path, size: int, compression: str) -> str:
    """Write the archive; return the sha256 of its large member."""
    digest = hashlib.sha256()
    for part in member_stream(size):
        digest.update(part)
    command = COMPRESSORS[compression]
    with open(path, "wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out) if command else None
        sink = process.stdin if process else out
        with tarfile.open(fileobj=sink, mode="w|") as tar:
            info = tarfile.TarInfo("big-1/src/main.c")
            code = b"int main(void) { return 0; }\n"
            info.size = len(code)
            import io
            tar.addfile(info, io.BytesIO(code))
            info = tarfile.TarInfo("big-1/models/large.gguf")
            info.size = size
            tar.addfile(info, _Iter(size))  # type: ignore[arg-type]
        if process:
            process.stdin.close()  # type: ignore[union-attr]
            if process.wait() != 0:
                raise SystemExit(f"{command[0]} failed")
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 100, 1000], metavar="MB")
    parser.add_argument("--compressions", nargs="+", default=["gz", "xz"],
                        choices=sorted(COMPRESSORS))
    parser.add_argument("--scratch", default=None)
    args = parser.parse_args(argv)
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="guixml-memory-"))
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"{'archive':22} {'member MB':>9} {'file MB':>8} {'inspect MiB':>11} {'cpu s':>6}"
          f" {'hashes MiB':>10} {'cpu s':>6}")
    for compression in args.compressions:
        for size_mb in args.sizes:
            name = f"big-{size_mb}.tar" + (f".{compression}" if compression else "")
            path = scratch / name
            expected = make_archive(path, size_mb << 20, compression)
            row = [name, str(size_mb), f"{path.stat().st_size / 1e6:.1f}"]
            try:
                for what in ("inspect", "hashes"):
                    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), what,
                                           str(path), str(scratch / "room")],
                                          capture_output=True, text=True, check=True)
                    result = json.loads(done.stdout)
                    if what == "inspect":
                        found = dict(result["findings"])
                        if found.get("big-1/models/large.gguf") != expected:
                            raise SystemExit(f"{name}: the weight file was not found "
                                             f"with its sha256: {result}")
                    elif "unpacked" not in result["hashes"]:
                        raise SystemExit(f"{name}: no unpacked hash: {result}")
                    row += [f"{result['hwm_kib'] / 1024:.0f}", f"{result['cpu']:.1f}"]
            finally:
                path.unlink()
            print(f"{row[0]:22} {row[1]:>9} {row[2]:>8} {row[3]:>11} {row[4]:>6}"
                  f" {row[5]:>10} {row[6]:>6}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
