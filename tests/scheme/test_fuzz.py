"""The reader fuzzed against Guile's (issue #15).

Texts are built from the pieces Scheme syntax is made of (brackets, prefixes,
``#`` syntaxes, escapes, number-like runs, odd characters), many per Guile
process (:mod:`scheme._guile_oracle`).  Where Guile reads a text guixml must
write the same bytes; where Guile refuses it guixml must raise
:class:`SchemeSyntaxError` (or :class:`EncodingError`), nothing else.

The normal suite runs a few batches; ``GUIXML_FUZZ_MINUTES=N`` runs the
marked long test for N minutes and prints how many texts it tried.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scheme._guile_oracle import differences

PIECES = [
    "(", ")", "[", "]", " ", "\n", "\t", "'", "`", ",", ",@", "#;", "#|", "|#", "#!", "!#",
    '"', "\\", "#\\", "#{", "}#", "#:", "#~", "#$", "#+", "#$@", "#(", "#vu8(", "#'", "#`",
    "#,", ";", "|", ".", "..", "x", "abc", "é", "\u00a0", "\u0301", "\U0001f600", "λ",
    "0", "1", "7", "12", "-", "+", "1/2", "/", "1e", "e", "E5", "e-3", "#x", "#b", "#o",
    "#d", "#e", "#i", "i", "@", "inf.0", "nan.0", "#", "#t", "#f", "#true", "#nil", "#n",
    "\\x41;", "\\xd800;", "\\x110000;", "\\x", ";", "\\u", "\\U", "\\n", "\\t", "\\a",
    "ud800", "U110000", "xd800", "x10ffff", "space", "newline", "nul", "154000",
    "1.5", ".5", "1#", "##", "1e400", "1e308", "1e-324", "5000", ":", "a:", "#:x",
    # Guile's digits beyond ASCII: Unicode decimal digits (Lao, Arabic-Indic,
    # fullwidth, mathematical), and characters whose low byte is an ASCII
    # digit or hex letter (Guile reads an integer's first digit through a C
    # char); and the C switch's fall-through (+ian.0), NaN's digits.
    "\u0ed6", "\u0ed0", "\u0661", "\u06f3", "\uff11", "\U0001d7ce", "\u1231", "\u1230",
    "\U00012f33", "\u0141", "\u0166", "\u016e", "ian.0", "nan.00", "nan.#",
]

_PIECE = st.sampled_from(PIECES)
_CHAR = st.characters(blacklist_categories=("Cs",))
TEXT = st.lists(st.one_of(_PIECE, _PIECE, _PIECE, _CHAR,
                          st.integers(1, 6000).map(lambda n: "9" * n)),
                max_size=30).map("".join)
BATCH = st.lists(TEXT, min_size=40, max_size=40)


def _check(guile: str, texts: list[str]) -> None:
    found = differences(guile, texts)
    assert not found, "\n".join(f"{text!r}: {why}" for text, why in found[:5])


@pytest.mark.guile
@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(texts=BATCH)
def test_reader_agrees_with_guile(guile, texts):
    _check(guile, texts)


@pytest.mark.guile
@pytest.mark.fuzz
@pytest.mark.skipif(not os.environ.get("GUIXML_FUZZ_MINUTES"),
                    reason="long fuzz: set GUIXML_FUZZ_MINUTES")
def test_reader_agrees_with_guile_for_minutes(guile, capsys):
    deadline = time.monotonic() + 60 * float(os.environ["GUIXML_FUZZ_MINUTES"])
    tried = [0, 0]  # texts, batches
    found: list[tuple[str, str]] = []

    # No shrinking: a batch of 200 texts shrinks slowly, and the failure
    # message already names the texts that differ and why.
    @settings(max_examples=25, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(texts=st.lists(TEXT, min_size=200, max_size=200))
    def run(texts):
        if time.monotonic() >= deadline:
            return
        tried[0] += len(texts)
        tried[1] += 1
        found.extend(differences(guile, texts))  # on to the deadline, then report all

    while time.monotonic() < deadline:
        run()
    with capsys.disabled():
        print(f"\nfuzz: {tried[0]} texts in {tried[1]} Guile runs, {len(found)} differences")
    assert not found, "\n".join(f"{text[:300]!r}: {why[:300]}" for text, why in found[:10])
