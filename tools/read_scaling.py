"""How the reader's and the writer's time grows with the size of hostile inputs.

Usage::

    python tools/read_scaling.py [--sizes 10000,100000,1000000] [--only SHAPE] [--repeat N]

For each shape (long digit runs, bignums in every notation Guile normalises,
``1e1e…``, long symbols, strings, comments of each kind, deep nesting,
character names, long lines, many small forms, …) it builds a text of each
size, reads it, then writes the data back, and prints the CPU seconds of
each (the least of ``--repeat`` runs) and the ratio of the largest size's
time to the one before (10 for linear time when the sizes grow tenfold).
The texts Guile rejects must raise guixml's syntax error, and nothing else.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Callable

from guixml.scheme import SchemeSyntaxError, read_string, write
from guixml.scheme import reader as _reader


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * (size // len(unit))


def _wrapped(before: str, unit: str, after: str) -> Callable[[int], str]:
    return lambda size: before + unit * ((size - len(before) - len(after)) // len(unit)) + after


def _halves(left: str, middle: str, right: str) -> Callable[[int], str]:
    return lambda size: left * ((size - len(middle)) // 2) + middle + right * (
        (size - len(middle)) // 2)


#: name -> text of about SIZE characters
SHAPES: dict[str, Callable[[int], str]] = {
    # numbers: one token of SIZE characters
    "digits": _repeat("7"),
    "signed-zeros-digits": _wrapped("+000", "7", ""),
    "negative-digits": _wrapped("-", "9", ""),
    "unicode-digits": _wrapped("1", "\u0ed6", ""),
    "digits-then-x": _wrapped("", "7", "x"),
    "digits-with-slash": _wrapped("", "7", "/"),
    "ratio": _halves("7", "/", "3"),
    "ratio-reducible": _halves("6", "/", "3"),
    "decimal": _wrapped("1.", "7", ""),
    "exponent-decimal": _wrapped("1.", "7", "e300"),
    "exact-decimal": _wrapped("#e1.", "7", "e-5"),
    "exact-decimal-reducible": _wrapped("#e1.", "5", ""),
    "exact-integer-decimal": _wrapped("#e", "7", ".000e300"),
    "exact-placeholders": _wrapped("#e1", "#", ""),
    "inexact-integer": _wrapped("#i", "7", ""),
    "1e1e": _repeat("1e"),
    "#x-runs": _wrapped("#x", "f", ""),
    "#b-runs": _wrapped("#b", "1", ""),
    "#x#x": _repeat("#x"),
    "1/-runs": _repeat("1/"),
    "+1+1i": _wrapped("", "+1", "i"),
    "1@1@": _repeat("1@"),
    "many-numbers": _repeat("12 -3.5 1/2 #x1f 1e3 "),
    # symbols, strings, characters
    "symbol": _repeat("abc-"),
    "extended-symbol": _wrapped("#{", "a\\x41;", "}#"),
    "unterminated-ext-symbol": _wrapped("#{", "ab", ""),
    "string": _wrapped('"', "ab\\n", '"'),
    "unicode-string": _wrapped('"', "λé\u0301\U0001f600", '"'),
    "unterminated-string": _wrapped('"', "ab", ""),
    "chars": _repeat("#\\a "),
    "char-names": _repeat("#\\space #\\x41 #\\101 #\\nul "),
    "keywords": _repeat("#:k "),
    # comments
    "line-comment": _wrapped(";", "x", "\n1"),
    "many-line-comments": _repeat("; c\n"),
    "block-comment": _wrapped("#|", "x", "|#"),
    "block-comments": _repeat("#||# "),
    "nested-block-comments": _halves("#|", "", "|#"),
    "unterminated-block": _repeat("#|"),
    "datum-comments": _wrapped("", "#;1 ", "2"),
    "nested-datum-comments": _halves("#;", "", "1 "),
    "hash-bang": _repeat("#!"),
    # structure
    "nesting": lambda size: "(" * (size // 2) + ")" * (size // 2),
    "unclosed-nesting": _repeat("("),
    "long-line": _wrapped("(", "a ", ")"),
    "many-small-forms": _repeat("(a b)\n"),
    "gexp-prefixes": _wrapped("", "#~#$", "x"),
    "quotes": _wrapped("", "'", "x"),
}


def _cpu() -> float:
    return time.process_time()


def measure(text: str) -> tuple[float, float, str]:
    """CPU seconds to read TEXT and to write its data back, and what came of it."""
    # The reader keeps each atom it classified (by its text, for the process):
    # forget them, or a second run of one long token would only look it up.
    for cache in (_reader._atoms, _reader._folded_atoms, _reader._keywords,
                  _reader._folded_keywords):
        cache.clear()
    gc.collect()
    start = _cpu()
    try:
        data = read_string(text)
    except SchemeSyntaxError:
        return _cpu() - start, 0.0, "syntax error"
    read = _cpu() - start
    start = _cpu()
    for datum in data:
        write(datum)
    return read, _cpu() - start, "read"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/read_scaling.py")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--only", action="append", choices=sorted(SHAPES))
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each text; the least CPU time is kept")
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",")]
    labels = [f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
              for size in sizes]
    ratio = f"{labels[-1]}/{labels[-2]}" if len(sizes) > 1 else ""
    print(f"{'shape':25}  {'read (CPU s)':>{9 * len(sizes)}}  {ratio:>6}"
          f"  {'write (CPU s)':>{9 * len(sizes)}}  {ratio:>6}  outcome")
    print(f"{'':25}  " + "".join(f"{label:>9}" for label in labels) + f"  {'':6}  "
          + "".join(f"{label:>9}" for label in labels))
    for name, make in SHAPES.items():
        if options.only and name not in options.only:
            continue
        reads, writes = [], []
        outcome = ""
        for size in sizes:
            text = make(size)
            runs = [measure(text) for _ in range(options.repeat)]
            reads.append(min(r[0] for r in runs))
            writes.append(min(r[1] for r in runs))
            outcome = runs[0][2]

        def growth(times: list[float]) -> str:
            if len(times) < 2 or times[-2] < 0.0005:
                return "-"
            return f"{times[-1] / times[-2]:.1f}"

        print(f"{name:25}  " + "".join(f"{t:9.4f}" for t in reads) + f"  {growth(reads):>6}  "
              + "".join(f"{t:9.4f}" for t in writes) + f"  {growth(writes):>6}  {outcome}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
