"""An audit of a Guix tree with hostile definitions added, against the tree as it is.

Usage::

    python tools/hostile_tree.py GUIX_SOURCE [--keep DIR]

Copies GUIX_SOURCE to a temporary directory, adds ``gnu/packages/zz-hostile.scm``
(inherit cycles, an inherit chain deeper than guixml follows, evaluation
budget bombs, huge numbers) and a few one-definition modules
``gnu/packages/zz-hostile-text-N.scm`` whose text Guile rejects (escapes
beyond Unicode, surrogates, a decimal out of range…), runs
``guixml audit --all --format json --no-cache`` on the copy and on the original,
and checks that

* both audits complete;
* every hostile definition is reported at its location, as expected;
* every other package has the very same entry in both reports.

Prints one line per check and exits 1 when one fails.  The generator
(:func:`hostile_modules`) is also used by the test suite on a small channel.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import attrs

REPO = Path(__file__).resolve().parent.parent
PREFIX = "gnu/packages/zz-hostile"


@attrs.frozen
class Expected:
    """A problem the audit must report: at FILE:LINE:COLUMN, its message holding TEXT."""
    file: str
    line: int
    column: int
    text: str


_HEADER = """(define-module (gnu packages zz-hostile)
  #:use-module (guix packages)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define (zz-fib n) (if (< n 2) n (+ (zz-fib (- n 1)) (zz-fib (- n 2)))))
(define (zz-double s n) (if (= n 0) s (zz-double (string-append s s) (- n 1))))
(define (zz-square x n) (if (= n 0) x (zz-square (* x x) (- n 1))))
(define (zz-grow l n) (if (= n 0) l (zz-grow (append l l) (- n 1))))
(define (zz-ping n) (if (= n 0) 0 (+ (zz-pong (- n 1)) (zz-pong (- n 1)))))
(define (zz-pong n) (if (= n 0) 0 (+ (zz-ping (- n 1)) (zz-ping (- n 1)))))
(define (zz-loop n) (zz-loop (+ n 1)))
"""


def _package(variable: str, *, inherit: str | None = None, version: str = '"1"',
             extra: str = "") -> str:
    """A one-line package definition (LINE counted by the caller)."""
    if inherit is not None:
        return (f'(define-public {variable} (package (inherit {inherit}) '
                f'(name "{variable}") (version {version}){extra}))')
    return (f'(define-public {variable} (package (name "{variable}") (version {version}) '
            f'(source #f) (build-system gnu-build-system) (synopsis "s") (description "d") '
            f'(home-page "https://example.org") (license license:gpl3+){extra}))')


#: (version expression, what the problem says) of the budget bombs
_BOMBS = [
    ("(number->string (zz-fib {k}))", "budget-exceeded"),
    ('(zz-double "ab" {k})', "budget-exceeded"),
    ("(number->string (zz-square 3 {k}))", "budget-exceeded"),
    ('(number->string (length (zz-grow (list 1) {k})))', "budget-exceeded"),
    ("(number->string (zz-ping {k}))", "budget-exceeded"),
    # Python's stack runs out first in pure Python; compiled calls take fewer
    # Python frames, so the budget's call depth stops it there: either is bounded.
    ("(number->string (zz-loop {k}))", "recursion-too-deep|calls nested deeper"),
]

#: Texts Guile's reader rejects, each the whole of a module (after its header)
_BAD_TEXTS = [
    r'(define-public zz-bad "\ud800")', r'(define-public zz-bad "\U110000")',
    r"(define-public zz-bad '#{\x110000;}#)", r"(define-public zz-bad '#{\xd800;}#)",
    r"(define-public zz-bad #\xd800)", r"(define-public zz-bad #\x110000)",
    r"(define-public zz-bad 1e400)", r'(define-public zz-bad "\x4")',
    "(define-public zz-bad #{" + "a" * 10_000, '(define-public zz-bad "' + "1" * 100_000,
]


def hostile_modules(scale: float = 1.0) -> tuple[dict[str, str], list[Expected], list[str]]:
    """The hostile modules (path -> text), the problems expected of them, and the
    variables of the hostile module that must evaluate all the same.

    SCALE 1 gives about 200 hostile definitions (and the 199 packages of the
    inherit chain that guixml still follows); tests use a fraction."""

    def count(full: int) -> int:
        return max(1, round(full * scale))

    lines = _HEADER.splitlines()
    expected: list[Expected] = []
    fine: list[str] = ["zz-base"]
    file = f"{PREFIX}.scm"

    def add(text: str, problem: str | None) -> None:
        lines.append(text)
        if problem is not None:
            expected.append(Expected(file, len(lines), 0, problem))

    add(_package("zz-base"), None)
    for k in range(count(15)):                         # two-package cycles
        add(_package(f"zz-cycle-a{k}", inherit=f"zz-cycle-b{k}"), "inherit-cycle")
        add(_package(f"zz-cycle-b{k}", inherit=f"zz-cycle-a{k}"), "inherit-cycle")
    for k in range(count(5)):                          # three-package cycles, and self
        for part, parent in (("a", "b"), ("b", "c"), ("c", "a")):
            add(_package(f"zz-ring-{part}{k}", inherit=f"zz-ring-{parent}{k}"), "inherit-cycle")
        add(_package(f"zz-self{k}", inherit=f"zz-self{k}"), "inherit-cycle")
    depth = 200                                        # guixml follows MAX_DEPTH parents
    previous = "zz-base"
    for k in range(depth + count(30)):
        variable = f"zz-deep{k}"
        add(_package(variable, inherit=previous), "inheritance-too-deep" if k >= depth - 1
            else None)
        if k < depth - 1:
            fine.append(variable)
        previous = variable
    for k in range(count(15)):                         # budget bombs
        for n, (template, problem) in enumerate(_BOMBS):
            size = (40, 64, 40, 60, 60, 1)[n] + k
            add(_package(f"zz-bomb{n}-{k}", version=template.format(k=size)), problem)
    for k in range(count(10)):                         # huge numbers: read, evaluate, write
        digits = "7" * (5_000 + 5_000 * k)
        add(_package(f"zz-big{k}", version=f"(number->string {digits})",
                     extra=f" (properties '((zz-big . {digits})))"), None)
        fine.append(f"zz-big{k}")
        add(f"(define zz-literal{k} {'9' * (1_000_000 if k == 0 else 10_000 * k)})", None)
    # A literal read as its digits, made an int for arithmetic beyond the budget.
    add(_package("zz-big-arithmetic", version=f"(number->string (* 2 {'7' * 400_000}))"),
        "budget-exceeded")
    modules = {file: "\n".join(lines) + "\n"}
    for k, text in enumerate(_BAD_TEXTS[:count(len(_BAD_TEXTS))]):
        path = f"{PREFIX}-text-{k}.scm"
        header = f"(define-module (gnu packages zz-hostile-text-{k}))\n\n"
        modules[path] = header + text + "\n"
        expected.append(Expected(path, 3, -1, ""))    # a syntax error on its line
    return modules, expected, fine


def write_modules(root: Path, modules: dict[str, str]) -> None:
    for path, text in modules.items():
        (root / path).write_text(text, encoding="utf-8")


def audit(root: Path) -> tuple[dict, float]:
    """guixml's JSON audit of ROOT (no cache), and the seconds it took."""
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryDirectory() as cache:
        environment["GUIXML_CACHE_DIR"] = cache
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "guixml", "audit", str(root), "--all", "--format", "json",
             "--no-cache", "--fail-on", "never"],
            env=environment, capture_output=True, timeout=3600)
    seconds = time.perf_counter() - start
    if not result.stdout.strip():
        raise RuntimeError(f"audit of {root} failed (exit {result.returncode}): "
                           f"{result.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(result.stdout), seconds


def _matches(problem: dict, want: Expected) -> bool:
    location = problem.get("location") or {}
    return (location.get("file") == want.file and location.get("line") == want.line
            and (want.column < 0 or location.get("column") == want.column)
            and any(text in problem.get("message", "") for text in want.text.split("|")))


def compare(original: dict, hostile: dict, expected: list[Expected],
            fine: list[str]) -> list[str]:
    """What is wrong with HOSTILE's report (empty: all checks hold)."""
    failures: list[str] = []
    problems = hostile.get("problems", [])
    for want in expected:
        if not any(_matches(p, want) for p in problems):
            failures.append(f"not reported: {want.file}:{want.line}:{want.column} {want.text}")

    def key(entry: dict) -> tuple:
        return (entry["module"], entry["variable"])

    before = {key(e): e for e in original["packages"]}
    after = {key(e): e for e in hostile["packages"] if not e["file"].startswith(PREFIX)}
    if before.keys() != after.keys():
        failures.append(f"packages differ: {len(before.keys() - after.keys())} missing, "
                        f"{len(after.keys() - before.keys())} added")
    changed = [k for k in before.keys() & after.keys() if before[k] != after[k]]
    if changed:
        failures.append(f"{len(changed)} packages changed, e.g. {sorted(changed)[:3]}")
    hostile_variables = {e["variable"] for e in hostile["packages"]
                         if e["file"].startswith(PREFIX)}
    missing = [v for v in fine if v not in hostile_variables]
    if missing:
        failures.append(f"hostile-module packages that should evaluate did not: {missing[:5]}")
    other_problems = [p for p in original.get("problems", [])]
    kept = [p for p in problems if not (p.get("location") or {}).get("file", "")
            .startswith(PREFIX)]
    if kept != other_problems:
        failures.append(f"problems outside the hostile modules differ: "
                        f"{len(other_problems)} before, {len(kept)} after")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/hostile_tree.py")
    parser.add_argument("guix_source", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--keep", help="build the hostile copy here and keep it")
    options = parser.parse_args(argv)
    if not options.guix_source:
        parser.error("give GUIX_SOURCE")
    source = Path(options.guix_source)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(options.keep) if options.keep else Path(scratch) / "guix"
        shutil.copytree(source, copy, dirs_exist_ok=bool(options.keep))
        modules, expected, fine = hostile_modules()
        write_modules(copy, modules)
        definitions = sum(text.count("(define") for text in modules.values())
        print(f"hostile: {len(modules)} modules, {definitions} definitions, "
              f"{len(expected)} problems expected")
        hostile, hostile_seconds = audit(copy)
        print(f"audit with hostile modules: {len(hostile['packages'])} packages, "
              f"{len(hostile.get('problems', []))} problems, {hostile_seconds:.1f} s")
        original, original_seconds = audit(source)
        print(f"audit of the tree as it is: {len(original['packages'])} packages, "
              f"{len(original.get('problems', []))} problems, {original_seconds:.1f} s")
    failures = compare(original, hostile, expected, fine)
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures:
        print("ok: every hostile definition reported at its location; "
              "every other package and problem unchanged")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
