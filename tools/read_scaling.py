"""How the reader's time grows with the size of hostile inputs.

Usage::

    python tools/read_scaling.py [--sizes 10000,100000,1000000] [--write]

For each shape (long digit runs, ``1e1e…``, ``#x`` runs, ``1/`` runs, long
symbols, deep nesting, long strings, many ``#;`` comments, …) it builds a
text of each size, reads it (and, with ``--write``, writes the data back),
and prints the seconds and the time per character relative to the smallest
size: a reader in linear time keeps that ratio near 1.  The texts Guile
rejects must raise guixml's syntax error, and nothing else.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

from guixml.scheme import SchemeSyntaxError, read_string, write


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * (size // len(unit))


def _wrapped(before: str, unit: str, after: str) -> Callable[[int], str]:
    return lambda size: before + unit * ((size - len(before) - len(after)) // len(unit)) + after


#: name -> text of about SIZE characters
SHAPES: dict[str, Callable[[int], str]] = {
    "digits": _repeat("7"),
    "digits-then-x": _wrapped("", "7", "x"),
    "digits-with-slash": _wrapped("", "7", "/"),
    "decimal": _wrapped("1.", "7", ""),
    "exact-decimal": _wrapped("#e1.", "7", "e-5"),
    "1e1e": _repeat("1e"),
    "#x-runs": _wrapped("#x", "f", ""),
    "#x#x": _repeat("#x"),
    "1/-runs": _repeat("1/"),
    "+1+1i": _wrapped("", "+1", "i"),
    "1@1@": _repeat("1@"),
    "symbol": _repeat("abc-"),
    "extended-symbol": _wrapped("#{", "a\\x41;", "}#"),
    "unterminated-ext-symbol": _wrapped("#{", "ab", ""),
    "nesting": lambda size: "(" * (size // 2) + ")" * (size // 2),
    "unclosed-nesting": _repeat("("),
    "string": _wrapped('"', "ab\\n", '"'),
    "unterminated-string": _wrapped('"', "ab", ""),
    "datum-comments": _wrapped("", "#;1 ", "2"),
    "block-comments": _repeat("#||# "),
    "unterminated-block": _repeat("#|"),
    "hash-bang": _repeat("#!"),
    "chars": _repeat("#\\a "),
    "keywords": _repeat("#:k "),
    "gexp-prefixes": _wrapped("", "#~#$", "x"),
    "quotes": _wrapped("", "'", "x"),
}


def measure(text: str, with_write: bool) -> tuple[float, str]:
    """Seconds to read (and write back) TEXT, and what came of it."""
    start = time.perf_counter()
    try:
        data = read_string(text)
        if with_write:
            for datum in data:
                write(datum)
        outcome = "read"
    except SchemeSyntaxError:
        outcome = "syntax error"
    return time.perf_counter() - start, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/read_scaling.py")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--write", action="store_true", help="also write the data back")
    parser.add_argument("--only", action="append", choices=sorted(SHAPES))
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",")]
    print(f"{'shape':26}" + "".join(f"{size:>12}" for size in sizes) + "   per-char ratio  outcome")
    for name, make in SHAPES.items():
        if options.only and name not in options.only:
            continue
        times = []
        outcome = ""
        for size in sizes:
            seconds, outcome = measure(make(size), options.write)
            times.append(seconds)
        base = max(times[0], 1e-6) / sizes[0]
        ratios = " ".join(f"{(t / s) / base:.1f}" for t, s in zip(times[1:], sizes[1:]))
        print(f"{name:26}" + "".join(f"{t:11.4f}s" for t in times) + f"   {ratios:15}  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
