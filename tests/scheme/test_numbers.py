"""Numbers as Guile 3.0.8's string->number reads them (scheme/numbers.py).

Guile's digits beyond ASCII, the first digit cut to its low byte, the C
switch's fall-through, and long exact numbers kept as their digits.
"""

from __future__ import annotations

import pickle
import subprocess
from fractions import Fraction

import pytest

from conftest import TESTS
from guixml.scheme import BigNumber, equal, read_string, write
from guixml.scheme.numbers import LONG_DIGITS, _UNICODE_DIGITS, int_from_digits, int_to_text, parse_number
from scheme._guile_oracle import differences

# Texts whose reading Guile decides in an odd way (each checked against Guile
# below): Unicode decimal digits after an integer's first digit, after a point
# and in an exponent; first digits whose code point's low byte is an ASCII
# digit or hex letter; NaN's digits; 'i' falling through to 'n'.
ODD = [
    "1\u0ed6", "1.\u0ed6", "1e\u0ed2", ".\u0ed6", "+.\u1232", "1\u0ed6/\u0ed2", "1/\u1232",
    "+\U00012f3399", "#x\u0141", "#x1\uff21", "-\u016e", "\u0661\u0662", "1\uff11",
    "1\U0001d7ce", "#b1\u0661\u0662", "#o7\u06f7\u06f8", "1@\u1232", "1+\u1232i",
    "+ian.0", "+Ian.0", "+nan.00", "+nan.0#", "+nan.#", "+nan.1", "+nan.\u1230", "-nan.0",
    "#e1+2i", "#e1@0", "#e1.5+2i", "1/2#", "1#/2", "1.#5", "1#.5", "#e1#", "#i-0", "#x+nan.0",
    "#\\x+41", "#\\1/1", "#\\1\u0ed1", "#\\x#e41", "#\\x1\u0ed6", "#:+\u1231",
    "(+\u1231 \u1231 a+\u1231)", "(quote #{+\u1231}#)",
    "#e1." + "7" * 5000, "#e1." + "5" * 5000 + "e-3", "#e0." + "0" * 4000 + "1",
    "-000" + "9" * 5000, "+" + "1" * 5000 + "0" * 100, "#e1" + "0" * 4000 + ".0e-300",
    "1" * 3500 + "/" + "3" * 3500, "#x" + "f" * 5000, "#i" + "9" * 5000, "#e1" + "2" * 4000 + "#",
]


@pytest.mark.guile
def test_odd_numbers_agree_with_guile(guile):
    found = differences(guile, ODD)
    assert not found, "\n".join(f"{text[:60]!r}: {why[:200]}" for text, why in found)


@pytest.mark.guile
def test_digit_table_matches_guile(guile, guile_env):
    """guixml/data/guile-digits.csv is what Guile's string->number takes for
    digits, code point by code point."""
    result = subprocess.run(
        [guile, "--no-auto-compile", "-s", str(TESTS / "guile" / "digits.scm")],
        env=guile_env, capture_output=True, check=True, timeout=300)
    guile_digits = {}
    for line in result.stdout.decode().splitlines():
        code, in_integer, after_point = line.split("\t")
        assert in_integer == after_point, line
        guile_digits[int(code)] = int(in_integer)
    ours = {ord(c): k % 10 for k, c in enumerate(_UNICODE_DIGITS)}
    ours.update({48 + k: k for k in range(10)})
    assert ours == guile_digits


def test_first_digit_is_cut_to_its_low_byte():
    assert parse_number("+\U00012f3399") == 399
    assert parse_number("#x\u0141") == 10
    assert parse_number("1\u0ed6/\u0ed2") is None      # U+0ED2's low byte is no digit
    assert parse_number("1/\u1232") == Fraction(1, 2)


def test_long_integers_are_kept_as_digits():
    digits = "9" * (LONG_DIGITS + 1)
    value = parse_number("+000" + digits)
    assert type(value) is BigNumber and value.written() == digits
    assert write(read_string("-" + digits)[0]) == "-" + digits
    number = int_from_digits(digits)
    assert value == number and number == value and hash(value) == hash(number)
    assert value != number - 1 and value != "x"
    assert equal(value, number) and equal(parse_number(digits), value)
    assert not equal(value, float(1))
    again = pickle.loads(pickle.dumps(value))
    assert again == value and again.written() == digits
    assert float(value) == float("inf")
    assert type(parse_number("9" * LONG_DIGITS)) is int


def test_long_exact_decimals_and_ratios():
    sevens = parse_number("#e1." + "7" * 5000)
    assert sevens.reduced and sevens.written() == "1" + "7" * 5000 + "/1" + "0" * 5000
    fives = parse_number("#e-0." + "5" * 5000)
    assert not fives.reduced
    assert fives.value == -Fraction(int_from_digits("5" * 5000), 10 ** 5000)
    value = fives.value
    assert write(fives) == f"-{int_to_text(-value.numerator)}/{int_to_text(value.denominator)}"
    assert parse_number("#e1" + "0" * 4000 + ".0e-300") == 10 ** 3700
    ratio = parse_number("2" * 3500 + "/" + "1" * 3500)
    assert ratio == 2 and ratio.is_integer() and write(ratio) == "2"
    assert parse_number("0" * 4000 + "/" + "7" * 4000) == 0
