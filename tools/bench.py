"""Side-by-side benchmarks of guixml against Guile on a Guix checkout.

Usage::

    python tools/bench.py [GUIX_SOURCE] [--only NAME] [--jobs N] [--repeat N]
                          [--mode pure|compiled|both]

(``--jobs`` defaults to the number of CPUs idle when a benchmark starts.)

(``make bench GUIX_SOURCE=…``).  GUIX_SOURCE defaults to ``$GUIX_SOURCE``.
Each benchmark runs a guixml callable and a Guile command on the same files in
the same run and prints one line::

    read: guixml 2.91 s, guile 5.87 s, ratio 0.50, peak RSS guixml 69 MB
    (largest worker 48 MB), guile 19 MB; CPU guixml 5.10 s, guile 5.80 s

``--mode`` picks guixml's mode (``guixml.version``): ``pure`` Python,
``compiled`` (the mypyc-built modules, ``make compiled``) or ``both``, the
default when compiled modules are built: then each benchmark runs in each
mode in turn (a process each, pure first), each beside its own Guile run,
and the two lines are printed one under the other, tagged ``[pure]`` and
``[compiled]``.

``ratio`` is guixml's wall time over Guile's (below 1.0: guixml is faster).
Peak RSS is each process's own high-water mark (Linux VmHWM): guixml's main
process, its largest worker process, and Guile.  CPU is user + system time
summed over guixml's processes, and Guile's: on a loaded machine it shows
the work done better than wall time does.
With ``--repeat N`` each side runs N times and the best time counts.

Benchmarks are a small registry: other modules add theirs with
:func:`register` (a :class:`Benchmark` names its files, its guixml callable
and its Guile command), and :func:`parallel_map` spreads per-file work over
processes the way the ``read`` benchmark does.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import attrs

from guixml.errors import GuixmlError
from guixml.scheme.reader import read_file
from guixml.scheme.writer import write

__all__ = ["Benchmark", "BENCHMARKS", "register", "parallel_map", "package_modules", "idle_cpus",
           "read_write_file", "main"]

REPO = Path(__file__).resolve().parent.parent
READ_WRITE_SCM = REPO / "tests" / "guile" / "read-write.scm"
READ_ONLY_SCM = REPO / "tests" / "guile" / "read-only.scm"


@attrs.frozen
class Benchmark:
    """One side-by-side measurement.

    ``files`` picks the inputs from the Guix checkout; ``guixml`` does
    guixml's work on them (with the number of processes to use);
    ``guile_command`` is the argv of Guile doing the same work.
    """

    name: str
    description: str
    files: Callable[[Path], list[Path]]
    guixml: Callable[[list[Path], int], object]
    guile_command: Callable[[str, list[Path]], list[str]]
    #: Run when no --only is given; slow whole-pipeline benchmarks opt out.
    default: bool = True


BENCHMARKS: dict[str, Benchmark] = {}


def register(benchmark: Benchmark) -> Benchmark:
    BENCHMARKS[benchmark.name] = benchmark
    return benchmark


def package_modules(guix_source: Path) -> list[Path]:
    """The package modules of a Guix checkout, gnu/packages/*.scm, sorted."""
    return sorted((guix_source / "gnu" / "packages").glob("*.scm"))


def parallel_map(function: Callable, paths: Sequence[Path], jobs: int) -> list:
    """FUNCTION(path) for each path, in order, over JOBS processes.

    Largest files go first so that no process is left with a big file at
    the end; results come back in the order of PATHS.  FUNCTION must be a
    module-level function, and its results cheap to pickle (text, not data).
    """
    if jobs <= 1 or len(paths) <= 1:
        return [function(path) for path in paths]
    order = sorted(range(len(paths)), key=lambda i: -os.path.getsize(paths[i]))
    results: list = [None] * len(paths)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        for index, result in pool.imap_unordered(
                _Indexed(function), [(i, paths[i]) for i in order], chunksize=1):
            results[index] = result
    return results


class _Indexed:
    """Picklable wrapper that carries an index through Pool.imap_unordered."""

    def __init__(self, function: Callable) -> None:
        self.function = function

    def __call__(self, item):
        index, path = item
        return index, self.function(path)


def read_write_file(path: Path) -> str:
    """The text ``guixml read PATH`` prints: every datum written, one per line."""
    return "".join([write(datum) + "\n" for datum in read_file(path)])


def guile_script(script: Path) -> Callable[[str, list[Path]], list[str]]:
    """The Guile side of a benchmark: SCRIPT run over the benchmark's files."""
    return lambda guile, paths: [guile, "--no-auto-compile", "-s", str(script),
                                 *map(str, paths)]


def _read_write(paths: list[Path], jobs: int) -> list[str]:
    return parallel_map(read_write_file, paths, jobs)


register(Benchmark(
    name="read",
    description="read every package module and write every datum back",
    files=package_modules,
    guixml=_read_write,
    guile_command=guile_script(READ_WRITE_SCM),
))


def _annotate_copy(guix_source: Path) -> list[Path]:
    """A fresh copy of gnu/packages in a temporary directory (annotate edits it)."""
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="guixml-bench-annotate-"))
    if not os.environ.get("GUIXML_BENCH_KEEP"):  # keep it to inspect the result
        import atexit
        atexit.register(shutil.rmtree, root, True)
    shutil.copytree(guix_source / "gnu" / "packages", root / "gnu" / "packages")
    return package_modules(root)


def _annotate(paths: list[Path], jobs: int) -> int:
    """``guixml annotate --write`` over the copied tree, with a cold cache."""
    import tempfile
    from guixml.cli import main as guixml_main
    root = paths[0].parent.parent.parent
    with tempfile.TemporaryDirectory(prefix="guixml-bench-cache-") as cache:
        saved = os.environ.get("GUIXML_CACHE_DIR")
        os.environ["GUIXML_CACHE_DIR"] = cache
        try:
            return guixml_main(["annotate", "--write", str(root)])
        finally:
            if saved is None:
                del os.environ["GUIXML_CACHE_DIR"]
            else:
                os.environ["GUIXML_CACHE_DIR"] = saved


register(Benchmark(
    name="annotate",
    description="guixml annotate --write over a copy of the tree (cold cache) "
                "against Guile merely reading it",
    files=_annotate_copy,
    guixml=_annotate,
    guile_command=guile_script(READ_ONLY_SCM),
    default=False,  # the whole pipeline, cold: run it with --only annotate
))


def _index_root(paths: list[Path]) -> Path:
    """The checkout root of gnu/packages/*.scm PATHS."""
    return paths[0].parent.parent.parent


def _index_cold(paths: list[Path], jobs: int) -> int:
    """The whole channel index (parse, model, resolution) with an empty cache."""
    import tempfile
    from guixml.index.channel import load_channel
    from guixml.index.cache import flush_writes
    with tempfile.TemporaryDirectory(prefix="guixml-bench-index-") as cache:
        count = len(load_channel([str(_index_root(paths))], jobs=jobs,
                                 cache_dir=cache).packages())
        flush_writes()  # the cache written in the background counts too
        return count


register(Benchmark(
    name="index-cold",
    description="channel index of the whole tree, empty cache, against Guile reading it",
    files=package_modules,
    guixml=_index_cold,
    guile_command=guile_script(READ_ONLY_SCM),
))


def _index_uncached(paths: list[Path], jobs: int) -> int:
    """The whole channel index (parse, model, resolution) with no cache at all."""
    from guixml.index.channel import load_channel
    return len(load_channel([str(_index_root(paths))], jobs=jobs,
                            use_cache=False).packages())


register(Benchmark(
    name="index-nocache",
    description="channel index of the whole tree with no cache read or written "
                "(--no-cache: parse, model and resolution alone), against Guile reading it",
    files=package_modules,
    guixml=_index_uncached,
    guile_command=guile_script(READ_ONLY_SCM),
))

_WARM_CACHE: dict[str, str] = {}


def _index_warm_files(guix_source: Path) -> list[Path]:
    """The package modules, after building the index once into a fresh cache (untimed)."""
    import tempfile
    from guixml.index.channel import load_channel
    from guixml.index.cache import flush_writes
    cache = tempfile.mkdtemp(prefix="guixml-bench-warm-")
    load_channel([str(guix_source)], cache_dir=cache).packages()
    flush_writes()
    _WARM_CACHE["dir"] = cache
    return package_modules(guix_source)


def _index_warm(paths: list[Path], jobs: int) -> int:
    """The whole channel index again, from the cache the files step filled."""
    from guixml.index.channel import load_channel
    return len(load_channel([str(_index_root(paths))], jobs=jobs,
                            cache_dir=_WARM_CACHE["dir"]).packages())


register(Benchmark(
    name="index-warm",
    description="channel index of the whole tree from a warm cache, against Guile reading it",
    files=_index_warm_files,
    guixml=_index_warm,
    guile_command=guile_script(READ_ONLY_SCM),
))


def _audit_json(root: Path, cache: str) -> int:
    """``guixml audit ROOT --format json`` into a temporary file, with CACHE."""
    import tempfile
    from guixml.cli import main as guixml_main
    saved = os.environ.get("GUIXML_CACHE_DIR")
    os.environ["GUIXML_CACHE_DIR"] = cache
    try:
        from guixml.index.cache import flush_writes
        with tempfile.TemporaryDirectory(prefix="guixml-bench-audit-out-") as out:
            status = guixml_main(["audit", str(root), "--format", "json", "--fail-on",
                                  "never", "--output", os.path.join(out, "audit.json")])
            flush_writes()  # as the interpreter would at exit: the cache counts too
            return status
    finally:
        if saved is None:
            del os.environ["GUIXML_CACHE_DIR"]
        else:
            os.environ["GUIXML_CACHE_DIR"] = saved


def _audit_cold(paths: list[Path], jobs: int) -> int:
    """The whole audit (index, classifier, verdicts, JSON) with empty caches."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="guixml-bench-audit-") as cache:
        return _audit_json(_index_root(paths), cache)


register(Benchmark(
    name="audit-cold",
    description="guixml audit --format json of the whole tree, empty caches, "
                "against Guile reading it",
    files=package_modules,
    guixml=_audit_cold,
    guile_command=guile_script(READ_ONLY_SCM),
))


def _audit_warm_files(guix_source: Path) -> list[Path]:
    """The package modules, after one audit into a fresh cache (untimed)."""
    import tempfile
    import atexit
    cache = tempfile.mkdtemp(prefix="guixml-bench-audit-warm-")
    atexit.register(shutil.rmtree, cache, True)  # ~130 MB of index and report
    _audit_json(guix_source, cache)
    _WARM_CACHE["audit"] = cache
    return package_modules(guix_source)


register(Benchmark(
    name="audit-warm",
    description="guixml audit --format json of the unchanged tree again (warm caches), "
                "against Guile reading it",
    files=_audit_warm_files,
    guixml=lambda paths, jobs: _audit_json(_index_root(paths), _WARM_CACHE["audit"]),
    guile_command=guile_script(READ_ONLY_SCM),
))


SHOW_PACKAGE = os.environ.get("GUIXML_BENCH_SHOW", "gnubg")  # the thread's tangled example


def _show_warm_files(guix_source: Path) -> list[Path]:
    """The package modules, after one ``show`` into a fresh cache (untimed)."""
    import tempfile
    import atexit
    cache = tempfile.mkdtemp(prefix="guixml-bench-show-warm-")
    atexit.register(shutil.rmtree, cache, True)
    _WARM_CACHE["show"] = cache
    _show(guix_source, cache)
    return package_modules(guix_source)


def _show(root: Path, cache: str) -> int:
    """``guixml show SHOW_PACKAGE ROOT`` with CACHE, its output thrown away."""
    import contextlib
    import io
    from guixml.cli import main as guixml_main
    saved = os.environ.get("GUIXML_CACHE_DIR")
    os.environ["GUIXML_CACHE_DIR"] = cache
    try:
        from guixml.index.cache import flush_writes
        with contextlib.redirect_stdout(io.StringIO()):
            status = guixml_main(["show", SHOW_PACKAGE, str(root)])
        flush_writes()
        return status
    finally:
        if saved is None:
            del os.environ["GUIXML_CACHE_DIR"]
        else:
            os.environ["GUIXML_CACHE_DIR"] = saved


register(Benchmark(
    name="show-warm",
    description="guixml show PACKAGE (GUIXML_BENCH_SHOW, default gnubg) of the unchanged "
                "tree again (warm cache), against Guile reading it",
    files=_show_warm_files,
    guixml=lambda paths, jobs: _show(_index_root(paths), _WARM_CACHE["show"]),
    guile_command=guile_script(READ_ONLY_SCM),
))


# -- running -------------------------------------------------------------------------


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields)


def idle_cpus(sample: float = 0.5) -> int:
    """How many of the CPUs this process may use are idle right now (at least 1).

    On a machine busy with other work, more worker processes only compete
    for the same cores (and each warms its own caches), so the default
    parallelism follows what is idle, measured over SAMPLE seconds (from
    /proc/stat; elsewhere from the 1-minute load average).
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    total_cpus = os.cpu_count() or usable
    before = _cpu_times()
    if before is not None:
        time.sleep(sample)
        after = _cpu_times()
        if after is not None and after[1] > before[1]:
            idle = (after[0] - before[0]) / (after[1] - before[1]) * total_cpus
            return max(1, min(usable, round(idle)))
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, min(usable, round(usable - load)))


def _megabytes(kilobytes: int) -> int:
    return round(kilobytes / 1024)


# Peak memory.  getrusage's ru_maxrss is no use here: a child created by fork
# (Guile started by subprocess, Pool workers) inherits the parent's high-water
# mark, so every figure would include this process.  On Linux the kernel's
# VmHWM of /proc/PID/status is per address space; it is reset for this
# process by writing 5 to /proc/self/clear_refs, and sampled for children by
# a watcher thread.  Elsewhere the figures fall back to ru_maxrss.

def _status_kb(pid: int | str, field: str = "VmHWM") -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int] | None:
    """The children of PID from /proc/PID/task/*/children, or None if unavailable."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    found: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                found.extend(int(child) for child in children.read().split())
        except FileNotFoundError:
            return None  # kernel without CONFIG_PROC_CHILDREN
        except (OSError, ValueError):
            continue
    return found


def _descendants(root: int) -> list[int]:
    found: list[int] = []
    frontier = [root]
    while frontier:
        children = _children(frontier.pop())
        if children is None:
            return _descendants_by_scan(root)
        found.extend(children)
        frontier.extend(children)
    return found


def _descendants_by_scan(root: int) -> list[int]:
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.extend(children)
        frontier.extend(children)
    return found


class _PeakWatcher:
    """Peak RSS (kB) of process ROOT and, separately, of its largest descendant."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root = root
        self.interval = interval
        self.root_peak = 0
        self.child_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _sample(self) -> None:
        self.root_peak = max(self.root_peak, _status_kb(self.root))
        for child in _descendants(self.root):
            self.child_peak = max(self.child_peak, _status_kb(child))

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "_PeakWatcher":
        if self.root == os.getpid():
            try:
                with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
                    refs.write("5")  # reset this process's VmHWM
            except OSError:
                pass
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _time_guixml(benchmark: Benchmark, paths: list[Path],
                 jobs: int) -> tuple[float, int, int, float]:
    """Wall time, peak RSS of this process and of its largest worker (kB), CPU time."""
    with _PeakWatcher(os.getpid()) as watcher:
        cpu = _cpu_seconds()
        start = time.perf_counter()
        benchmark.guixml(paths, jobs)
        elapsed = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu
    main_peak = watcher.root_peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return elapsed, main_peak, watcher.child_peak, cpu


def _time_guile(argv: list[str]) -> tuple[float, int, float]:
    """Wall time, peak RSS (kB) and CPU time of one Guile run."""
    env = dict(os.environ, LC_ALL="C.UTF-8", GUILE_AUTO_COMPILE="0")
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    with _PeakWatcher(process.pid, interval=0.02) as watcher:
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"Guile failed ({process.returncode}): {' '.join(argv[:4])} …")
    return elapsed, watcher.root_peak or usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def run(benchmark: Benchmark, guix_source: Path, guile: str, jobs: int,
        repeat: int) -> str:
    paths = benchmark.files(guix_source)
    # Alternate the sides, so that a change in the machine's load hits both.
    ours_runs, guile_runs = [], []
    for _ in range(repeat):
        ours_runs.append(_time_guixml(benchmark, paths, jobs))
        guile_runs.append(_time_guile(benchmark.guile_command(guile, paths)))
    ours = min(run[0] for run in ours_runs)
    # Later runs start from a process grown by the earlier ones (and forked
    # workers share its pages): the smallest peak is the one of a fresh run.
    self_rss = min(run[1] for run in ours_runs)
    workers_rss = min(run[2] for run in ours_runs)
    ours_cpu = min(run[3] for run in ours_runs)
    theirs = min(run[0] for run in guile_runs)
    guile_rss = max(run[1] for run in guile_runs)
    theirs_cpu = min(run[2] for run in guile_runs)
    workers = f" (largest worker {_megabytes(workers_rss)} MB)" if workers_rss else ""
    return (f"{benchmark.name} [{_mode()}]: guixml {ours:.2f} s, guile {theirs:.2f} s, "
            f"ratio {ours / theirs:.2f}, peak RSS guixml {_megabytes(self_rss)} MB"
            f"{workers}, guile {_megabytes(guile_rss)} MB; "
            f"CPU guixml {ours_cpu:.2f} s, guile {theirs_cpu:.2f} s  "
            f"[{len(paths)} files, {jobs} jobs]")


def _mode() -> str:
    """``compiled`` or ``pure``: the mode this process runs."""
    from guixml.version import compiled_modules
    return "compiled" if compiled_modules() else "pure"


def _both(args: argparse.Namespace, names: list[str]) -> int:
    """Each benchmark in each mode, a process each, pure first (see --mode)."""
    status = 0
    for name in names:
        for mode in ("pure", "compiled"):
            command = [sys.executable, __file__, str(args.guix_source), "--only", name,
                       "--mode", mode, "--repeat", str(args.repeat)]
            if args.jobs:
                command += ["--jobs", str(args.jobs)]
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
            sys.stdout.write(done.stdout)
            sys.stdout.flush()
            status = max(status, done.returncode)
    return status


def _switch_mode(mode: str, argv: list[str] | None) -> int | None:
    """Run this script again in MODE when this process runs the other one
    (the mode is fixed when guixml is first imported); None when it matches."""
    from guixml.version import PURE_VARIABLE, built_state
    if mode == _mode():
        return None
    if os.environ.get("GUIXML_BENCH_SWITCHED"):
        print(f"bench: this process runs {_mode()}, not {mode}", file=sys.stderr)
        return 2
    env = dict(os.environ, GUIXML_BENCH_SWITCHED="1")
    if mode == "pure":
        env[PURE_VARIABLE] = "1"
    else:
        env.pop(PURE_VARIABLE, None)
        built, unusable = built_state()
        if not built or unusable is not None:
            print(f"bench: no usable compiled modules ({unusable or 'none built'}; "
                  "make compiled)", file=sys.stderr)
            return 2
    command = [sys.executable, __file__, *(sys.argv[1:] if argv is None else argv)]
    return subprocess.run(command, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("guix_source", nargs="?", default=os.environ.get("GUIX_SOURCE"),
                        help="root of a Guix checkout (default: $GUIX_SOURCE)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS),
                        help="run only this benchmark (repeatable)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes for guixml (default: the CPUs idle now)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; the best counts")
    parser.add_argument("--mode", choices=("pure", "compiled", "both"), default=None,
                        help="guixml's mode: pure Python, the compiled modules, or both in "
                             "turn (default: both when compiled modules are built, else pure)")
    args = parser.parse_args(argv)
    if args.mode is None:
        from guixml.version import built_state
        built, unusable = built_state()
        args.mode = "both" if built and unusable is None else "pure"
    if not args.guix_source:
        print("bench: name a Guix checkout (argument or GUIX_SOURCE)", file=sys.stderr)
        return 2
    source = Path(args.guix_source)
    if not (source / "gnu" / "packages").is_dir():
        print(f"bench: {source}: no gnu/packages directory", file=sys.stderr)
        return 2
    guile = shutil.which(os.environ.get("GUILE", "guile"))
    if guile is None:
        print("bench: Guile is not installed", file=sys.stderr)
        return 2
    names = args.only or [n for n, b in BENCHMARKS.items() if b.default]
    if args.mode == "both":
        return _both(args, names)
    switched = _switch_mode(args.mode, argv)
    if switched is not None:
        return switched
    status = 0
    for name in names:
        try:
            line = run(BENCHMARKS[name], source, guile, max(1, args.jobs or idle_cpus()),
                       max(1, args.repeat))
        except (RuntimeError, OSError, GuixmlError) as error:
            line, status = f"{name}: failed: {error}", 2
        print(line, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
