"""Guile's ``string->number`` for the reader and the writer.

The reader needs it to tell numbers from symbols (``1+`` and ``-`` are
symbols, ``+5`` and ``1/2`` are numbers); the writer needs it because Guile
writes a symbol that would read back as a number inside ``#{ }#``.

:func:`parse_number` follows Guile 3.0.8's parser (``scm_i_string_to_number``
and the ``mem2…`` functions of ``libguile/numbers.c``) step by step, so that
it accepts what Guile accepts, odd cases included: the prefixes ``#x #b #o
#d #e #i`` in any order (each kind at most once); integers, rationals and
decimals with the exponent markers ``e s f d l`` (any case) and R5RS ``#``
placeholders (``1#`` is ``10.0``); ``+inf.0``, ``+nan.0`` (also ``+nan.00``,
``+ian.0``: the C code's fall-through); rectangular and polar complex numbers;
an exponent beyond a double's range is an error even in a token that is no
number.  Digits are Guile's: after an integer's first digit, after a point
and in an exponent, every Unicode decimal digit counts with its value
(``1໖`` is 16, ``guixml/data/guile-digits.csv``); the first digit of an
integer is read by Guile through a C ``char``, that is, its code point cut to
the low byte (``+`` U+12F33 ``99`` is 399, ``#x`` U+0141 is 10).

Each character is looked at once (runs of digits by one regular expression),
and an exact integer of more than :data:`LONG_DIGITS` decimal digits is not
converted at all: it becomes a :class:`BigNumber`, which keeps its digits as
Guile writes them and makes the int only when asked (by the evaluator, under
its budget).  Reading a number takes time linear in its length.
"""

from __future__ import annotations

import csv
import decimal
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["parse_number", "NumberRangeError", "int_from_digits", "int_to_text", "BigNumber",
           "LONG_DIGITS"]


class NumberRangeError(ValueError):
    """A decimal whose exponent Guile refuses (``1e309``): an error, not a symbol."""


# -- exact integers of any size -----------------------------------------------
#
# Python refuses to convert decimal text of more than 4,300 digits to an int
# and back (``sys.get_int_max_str_digits``), and its conversions are
# quadratic.  Guile reads and writes exact integers of any size.  These
# convert by halves instead (Karatsuba products one way, decimal arithmetic
# the other): about a second for a million digits, no process-wide setting.

_SMALL_DIGITS = 3000          # below Python's limit: int() and str() directly
_SMALL_BITS = 9000            # about 2,700 decimal digits

#: Exact integers with more decimal digits than this are read as BigNumber.
LONG_DIGITS = _SMALL_DIGITS


def int_from_digits(digits: str, radix: int = 10) -> int:
    """The non-negative integer DIGITS (no sign) spells in RADIX, of any length."""
    if radix != 10 or len(digits) <= _SMALL_DIGITS:
        return int(digits, radix)  # powers of two have no limit, and are linear
    powers: dict[int, int] = {}

    def convert(text: str) -> int:
        size = len(text)
        if size <= _SMALL_DIGITS:
            return int(text)
        low = size // 2
        power = powers.get(low)
        if power is None:
            power = powers[low] = 10 ** low
        return convert(text[:size - low]) * power + convert(text[size - low:])

    return convert(digits)


def int_to_text(value: int) -> str:
    """VALUE in decimal, of any size (what ``str`` gives below Python's limit)."""
    if value < 0:
        return "-" + int_to_text(-value)
    if value.bit_length() <= _SMALL_BITS:
        return str(value)
    with decimal.localcontext() as context:
        context.prec = decimal.MAX_PREC
        context.Emax = decimal.MAX_EMAX
        context.traps[decimal.Inexact] = True
        powers: dict[int, decimal.Decimal] = {}

        def convert(number: int, bits: int) -> decimal.Decimal:
            if bits <= _SMALL_BITS:
                return decimal.Decimal(number)
            low = bits >> 1
            high = number >> low
            power = powers.get(low)
            if power is None:
                power = powers[low] = decimal.Decimal(2) ** low
            return convert(high, bits - low) * power + convert(number - (high << low), low)

        return str(convert(value, value.bit_length()))


class BigNumber:
    """An exact number read from text too long to convert when read.

    ``numerator`` and ``denominator`` are decimal texts (the numerator with
    its sign, no leading zeros) or ints; ``denominator`` is ``""`` for an
    integer.  ``reduced`` says the two are already in lowest terms, so that
    the text Guile writes is theirs as they are.  :attr:`value` is the int or
    Fraction (computed on first use, which costs more than linear time);
    equality and hashing are by value, as for Python's numbers.
    """

    __slots__ = ("numerator", "denominator", "reduced", "_value")

    def __init__(self, numerator: str | int, denominator: str | int = "",
                 reduced: bool = True) -> None:
        self.numerator = numerator
        self.denominator = denominator
        self.reduced = reduced and type(numerator) is str and type(denominator) is str
        self._value: Any = None

    @property
    def value(self) -> int | Fraction:
        value = self._value
        if value is None:
            numerator = _big_int(self.numerator)
            if self.denominator == "":
                value = numerator
            else:
                value = Fraction(numerator, _big_int(self.denominator))
                if value.denominator == 1:
                    value = value.numerator
            self._value = value
        return value

    def is_integer(self) -> bool:
        """Whether the value is an integer (cheap when reduced)."""
        if self.reduced:
            return self.denominator == ""
        return type(self.value) is int

    def bits(self) -> int:
        """An upper bound of the bits of the numerator and denominator."""
        def size(part: str | int) -> int:
            return part.bit_length() if type(part) is int else (len(part) * 3322 // 1000 + 1)
        return size(self.numerator) + (size(self.denominator) if self.denominator != "" else 0)

    def written(self) -> str:
        """The number as Guile writes it (linear when reduced, or when a
        power of ten's denominator loses few factors 2 and 5)."""
        if not self.reduced and type(self.numerator) is str and \
                type(self.denominator) is str and self.denominator[:1] == "1" and \
                not self.denominator.strip("0")[1:]:
            found = _over_power_of_ten(self.numerator, len(self.denominator) - 1)
            if found is not None:
                self.numerator, self.denominator = found
                self.reduced = True
        if self.reduced:
            if self.denominator == "":
                return self.numerator  # type: ignore[return-value]
            return f"{self.numerator}/{self.denominator}"
        value = self.value
        if type(value) is int:
            return int_to_text(value)
        return f"{int_to_text(value.numerator)}/{int_to_text(value.denominator)}"

    def __float__(self) -> float:
        if self.denominator == "" and type(self.numerator) is str:
            return float(self.numerator)  # correctly rounded, linear; inf beyond
        return _inexact(self.value)

    def __eq__(self, other: object) -> bool:
        if type(other) is BigNumber:
            if self.reduced and other.reduced:
                return (self.numerator, self.denominator) == (other.numerator, other.denominator)
            return self.value == other.value
        if type(other) is int or type(other) is Fraction:
            return self.value == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.value)

    def __reduce__(self) -> tuple:
        return (BigNumber, (self.numerator, self.denominator, self.reduced))

    def __repr__(self) -> str:
        text = self.written() if self.reduced else "…"
        return f"BigNumber({text[:20]}…{len(text)} characters)" if len(text) > 40 \
            else f"BigNumber({text})"

    __str__ = written


def _over_power_of_ten(numerator: str, power: int,
                       most: int = 64) -> tuple[str, str] | None:
    """NUMERATOR / 10^POWER in lowest terms as texts (denominator ``""`` for
    an integer), by exact decimal divisions by 2 and by 5, each linear; None
    when more than MOST of either would divide (then the gcd is needed)."""
    sign = "-" if numerator[:1] == "-" else ""
    digits = numerator.lstrip("-")
    with decimal.localcontext() as context:
        context.prec = len(digits) + 2
        context.Emax = decimal.MAX_EMAX
        context.traps[decimal.Inexact] = True
        number = decimal.Decimal(digits)
        counts = []
        for prime in (2, 5):
            count = 0
            while count < power:
                quotient, remainder = divmod(number, prime)
                if remainder:
                    break
                number = quotient
                count += 1
                if count > most:
                    return None
            counts.append(count)
        twos, fives = power - counts[0], power - counts[1]   # left in the denominator
        tens = min(twos, fives)
        extra = 2 ** (twos - tens) * 5 ** (fives - tens)
        text = f"{number:f}"
    denominator = "" if extra == 1 and tens == 0 else str(extra) + "0" * tens
    return sign + text, denominator


def _big_int(part: str | int) -> int:
    if type(part) is int:
        return part
    negative = part.startswith("-")
    value = int_from_digits(part.lstrip("-"))
    return -value if negative else value


# -- Guile's digits -------------------------------------------------------------

def _load_digits() -> str:
    """The non-ASCII decimal digits, in runs of ten from value 0, as a string."""
    text = (Path(__file__).parent.parent / "data" / "guile-digits.csv").read_text("utf-8")
    chars = []
    for row in csv.DictReader(line for line in text.splitlines()
                              if line and not line.startswith("#")):
        first, last = int(row["first"], 16), int(row["last"], 16)
        chars.extend(chr(code) for code in range(first, last + 1))
    return "".join(chars)


_UNICODE_DIGITS = _load_digits()
#: Unicode decimal digits -> ASCII ones.
_TO_ASCII = {ord(c): 48 + k % 10 for k, c in enumerate(_UNICODE_DIGITS)}
_UNICODE_CLASS = "".join(map(re.escape, _UNICODE_DIGITS))
_UNICODE_BELOW = {radix: "".join(re.escape(c) for k, c in enumerate(_UNICODE_DIGITS)
                                 if k % 10 < radix) for radix in (2, 8)}
# What may follow an integer's first digit (before placeholders): its radix's
# ASCII digits and the Unicode decimal digits of values below the radix.
_RUN = {
    2: re.compile(f"[01{_UNICODE_BELOW[2]}]*+"),
    8: re.compile(f"[0-7{_UNICODE_BELOW[8]}]*+"),
    10: re.compile(f"[0-9{_UNICODE_CLASS}]*+"),
    16: re.compile(f"[0-9a-fA-F{_UNICODE_CLASS}]*+"),
}
_DECIMAL_RUN = _RUN[10]
_HASHES = re.compile("#*+")
_DECIMAL_DIGIT = frozenset("0123456789" + _UNICODE_DIGITS)
_EXPONENT_MARKERS = frozenset("dDeEfFlLsS")
_MAX_EXPONENT = 308            # DBL_MAX_10_EXP
_MAX_NEGATIVE_EXPONENT = 308 + 15 + 1   # + DBL_DIG + 1 (libguile/numbers.c)


def _first_digit(char: str) -> int:
    """The value Guile gives the first digit of an integer (99 when none):
    ``mem2uinteger`` keeps it in a C ``char``, so only the low byte of the
    code point counts, and a byte of 0x80 or more is no digit."""
    code = ord(char) & 0xFF
    if 48 <= code <= 57:
        return code - 48
    if 65 <= code <= 90:
        code += 32
    return code - 87 if code >= 97 and code < 128 else 99


# -- the parser ------------------------------------------------------------------
#
# A real is kept exact and symbolic while it is parsed:
#   ("int", digits, radix), ("ratio", digits, digits, radix),
#   ("dec", integer digits, fraction digits, exponent), or a float (inf, nan);
# digits are ASCII, placeholders already zeros.  _exact and _inexact_real
# turn it into a value once its exactness is known.


def parse_number(text: str, radix: int = 10):
    """The number TEXT denotes as Guile's ``string->number`` reads it, or ``None``.

    Raises :class:`NumberRangeError` for decimals Guile rejects outright.
    """
    idx = 0
    size = len(text)
    forced: bool | None = None       # #e: True, #i: False
    seen_radix = False
    while idx + 2 < size and text[idx] == "#":
        flag = text[idx + 1]
        if flag in "eEiI":
            if forced is not None:
                return None
            forced = flag in "eE"
        elif flag in "xXbBoOdD":
            if seen_radix:
                return None
            seen_radix = True
            radix = {"x": 16, "b": 2, "o": 8, "d": 10}[flag.lower()]
        else:
            return None
        idx += 2
    return _complex(text, idx, radix, forced)


def _complex(text: str, idx: int, radix: int, forced: bool | None):
    """``mem2complex``."""
    size = len(text)
    if idx == size:
        return None
    sign = 0
    c = text[idx]
    if c == "+":
        idx += 1
        sign = 1
    elif c == "-":
        idx += 1
        sign = -1
    if idx == size:
        return None
    found = _ureal(text, idx, radix, forced, sign != 0)
    if found is None:
        # +i or -i
        if sign == 0 or text[idx] not in "iI" or idx + 1 != size:
            return None
        return complex(0.0, float(sign))
    real, idx = found
    real = _value(real, forced, sign == -1)
    if idx == size:
        return real
    c = text[idx]
    if c in "iI":
        if sign == 0 or idx + 1 != size:
            return None
        return _rectangular(0, real)
    if c == "@":
        idx += 1
        if idx == size:
            return None
        angle_sign = 0
        c = text[idx]
        if c in "+-":
            idx += 1
            if idx == size:
                return None
            angle_sign = 1 if c == "+" else -1
        found = _ureal(text, idx, radix, forced, angle_sign != 0)
        if found is None or found[1] != size:
            return None
        # Guile negates the angle unless the *magnitude* is a NaN.
        negate = angle_sign == -1 and not (type(real) is float and real != real)
        angle = _value(found[0], forced, negate)
        return _make_polar(real, angle)
    if c in "+-":
        idx += 1
        if idx == size:
            return None
        imag_sign = 1 if c == "+" else -1
        found = _ureal(text, idx, radix, forced, True)
        if found is None:
            imag: Any = imag_sign
        else:
            imag, idx = found
            imag = _value(imag, forced, imag_sign == -1)
        if idx == size or text[idx] not in "iI" or idx + 1 != size:
            return None
        return _rectangular(real, imag)
    return None


def _ureal(text: str, idx: int, radix: int, forced: bool | None, inf_or_nan: bool):
    """``mem2ureal``: (the real, symbolic, with its exactness applied later;
    the index after it), or None."""
    size = len(text)
    if idx == size:
        return None
    if inf_or_nan and forced is not True and idx + 5 <= size:
        c = text[idx]
        if c in "iI" and text[idx + 1] in "nN" and text[idx + 2] in "fF" \
                and text[idx + 3:idx + 5] == ".0":
            return math.inf, idx + 5
        # The C switch falls through from the 'i' case into the 'n' one.
        if c in "iInN" and text[idx + 1] in "aA" and text[idx + 2] in "nN" \
                and text[idx + 3] == ".":
            found = _uinteger(text, idx + 4, 10)
            if found is None or found[0].strip("0"):
                return None
            return math.nan, found[1]
    if text[idx] == ".":
        if radix != 10 or idx + 1 == size or text[idx + 1] not in _DECIMAL_DIGIT:
            return None
        found = _decimal_from_point("", False, text, idx)
        if found is None:
            return None
        real, idx, inexact = found
    else:
        found_integer = _uinteger(text, idx, radix)
        if found_integer is None:
            return None
        digits, idx, inexact = found_integer
        if idx == size:
            real = ("int", digits, radix)
        elif text[idx] == "/":
            idx += 1
            if idx == size:
                return None
            found_divisor = _uinteger(text, idx, radix)
            if found_divisor is None or not found_divisor[0].strip("0"):
                return None
            real = ("ratio", digits, found_divisor[0], radix)
            idx = found_divisor[1]
            inexact = inexact or found_divisor[2]
        elif radix == 10:
            found = _decimal_from_point(digits, inexact, text, idx)
            if found is None:
                return None
            real, idx, inexact = found
        else:
            real = ("int", digits, radix)
    if forced is None and inexact:
        return ("inexact", real), idx
    return real, idx


def _uinteger(text: str, idx: int, radix: int):
    """``mem2uinteger``: (ASCII digits, index after them, whether a ``#``
    placeholder was seen), or None."""
    if idx == len(text):
        return None
    first = _first_digit(text[idx])
    if first >= radix:
        return None
    run = _RUN[radix].match(text, idx + 1)
    end = run.end()
    hashes = _HASHES.match(text, end).end()
    digits = "0123456789abcdef"[first] + run.group().translate(_TO_ASCII) + "0" * (hashes - end)
    return digits, hashes, hashes > end


def _decimal_from_point(digits: str, inexact: bool, text: str, idx: int):
    """``mem2decimal_from_point``: DIGITS (the integer part so far) followed
    by a fraction and an exponent: (the real, index, inexact), or None."""
    size = len(text)
    fraction = ""
    exponent = 0
    point = False
    if idx < size and text[idx] == ".":
        point = True
        run = _DECIMAL_RUN.match(text, idx + 1)
        if run.end() > idx + 1 and inexact:
            return None       # a digit after a placeholder
        end = run.end()
        hashes = _HASHES.match(text, end).end()
        fraction = run.group().translate(_TO_ASCII) + "0" * (hashes - end)
        if hashes > end and hashes < size and text[hashes] in _DECIMAL_DIGIT:
            return None
        idx = hashes
        inexact = True
    if idx < size and text[idx] in _EXPONENT_MARKERS:
        idx += 1
        if idx == size:
            return None
        start = idx
        negative = False
        if text[idx] in "+-":
            negative = text[idx] == "-"
            idx += 1
            if idx == size:
                return None
        if text[idx] not in _DECIMAL_DIGIT:
            return None
        run = _DECIMAL_RUN.match(text, idx)
        value = 0
        for digit in run.group().translate(_TO_ASCII).lstrip("0"):
            value = value * 10 + ord(digit) - 48
            if value > _MAX_EXPONENT:
                break
        idx = run.end()
        if value > (_MAX_NEGATIVE_EXPONENT if negative else _MAX_EXPONENT):
            raise NumberRangeError(f"value out of range: {text[start:idx]}")
        exponent = -value if negative else value
        inexact = True
    elif not point:
        return ("int", digits or "0", 10), idx, inexact
    return ("dec", digits, fraction, exponent), idx, inexact


# -- values ----------------------------------------------------------------------


def _value(real, forced: bool | None, negative: bool):
    """The value of a symbolic REAL under the forced exactness, negated (a
    NaN stays as it is, as in Guile)."""
    if type(real) is float:
        return -real if negative and real == real else real
    if real[0] == "inexact" or forced is False:
        body = real[1] if real[0] == "inexact" else real
        if type(body) is float:
            return -body if negative and body == body else body
        return _inexact_real(body, negative)
    return _exact(real, negative)


def _exact(real: tuple, negative: bool):
    kind = real[0]
    sign = "-" if negative else ""
    if kind == "int":
        digits, radix = real[1], real[2]
        if radix != 10:
            value = int(digits, radix)
            return -value if negative else value
        digits = digits.lstrip("0") or "0"
        if len(digits) > LONG_DIGITS:
            return BigNumber(sign + digits)
        value = int(digits)
        return -value if negative else value
    if kind == "ratio":
        numerator, denominator, radix = real[1], real[2], real[3]
        if radix != 10:
            num, den = int(numerator, radix), int(denominator, radix)
            if max(num.bit_length(), den.bit_length()) > 4 * LONG_DIGITS:
                return BigNumber(-num if negative else num, den, reduced=False)
            value = Fraction(-num if negative else num, den)
        else:
            numerator = numerator.lstrip("0") or "0"
            denominator = denominator.lstrip("0")
            if max(len(numerator), len(denominator)) > LONG_DIGITS:
                if numerator == "0":
                    return 0
                return BigNumber(sign + numerator, denominator, reduced=False)
            value = Fraction(int(sign + numerator), int(denominator))
        return value.numerator if value.denominator == 1 else value
    # a decimal: (integer digits . fraction digits) x 10^exponent
    digits = (real[1] + real[2]).lstrip("0")
    exponent = real[3] - len(real[2])
    if not digits:
        return 0
    if len(digits) <= LONG_DIGITS and abs(exponent) <= LONG_DIGITS:
        value = Fraction(int(digits)) * Fraction(10) ** exponent
        value = -value if negative else value
        return value.numerator if value.denominator == 1 else value
    # Without converting: a long integer, or digits / 10^-exponent with the
    # common trailing zeros taken off (in lowest terms when the last digit is
    # prime to 10; the writer reduces the others).
    if exponent >= 0:
        return BigNumber(sign + digits + "0" * exponent)
    kept = digits.rstrip("0")
    zeros = len(digits) - len(kept)
    if zeros >= -exponent:
        digits = digits[:len(digits) + exponent]
        return BigNumber(sign + digits) if len(digits) > LONG_DIGITS else int(sign + digits)
    exponent += zeros
    return BigNumber(sign + kept, "1" + "0" * -exponent, reduced=kept[-1] in "1379")


def _inexact_real(real: tuple, negative: bool) -> float:
    kind = real[0]
    sign = "-" if negative else ""
    if kind == "int":
        if real[2] == 10:
            return float(sign + real[1])  # correctly rounded, linear; inf beyond
        value = _inexact(int(real[1], real[2]))
        return -value if negative else value
    if kind == "ratio":
        radix = real[3]
        num = int_from_digits(real[1].lstrip("0") or "0", radix)
        den = int_from_digits(real[2].lstrip("0"), radix)
        value = _inexact(Fraction(num, den)) if max(num.bit_length(), den.bit_length()) \
            <= 4 * LONG_DIGITS else _divide(num, den)
        return -value if negative else value
    return float(f"{sign}{real[1] or '0'}.{real[2]}e{real[3]}")


def _divide(num: int, den: int) -> float:
    try:
        return num / den      # correctly rounded without reducing
    except OverflowError:
        return math.inf


def _rectangular(real, imag):
    """``scm_make_rectangular``: a real when the imaginary part is an exact 0."""
    if type(imag) is int and imag == 0:
        return real
    return complex(_to_float(real), _to_float(imag))


def _make_polar(magnitude, angle):
    """``scm_make_polar``: exact 0 for an exact 0 magnitude, the magnitude
    for an exact 0 angle."""
    if type(magnitude) is int and magnitude == 0:
        return 0
    if type(angle) is int and angle == 0:
        return magnitude
    return _polar(_to_float(magnitude), _to_float(angle))


def _inexact(value: int | Fraction) -> float:
    """VALUE as a float; beyond a double's range, an infinity (as Guile gives)."""
    try:
        return float(value) if type(value) is int else value.numerator / value.denominator
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _to_float(value) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is BigNumber:
        return float(value)
    return _inexact(value)


def _polar(magnitude: float, angle: float) -> complex:
    """MAGNITUDE@ANGLE as Guile reads it (measured: an angle that is not finite
    gives NaNs, but a zero magnitude stays 0.0+0.0i)."""
    if math.isfinite(angle):
        return complex(magnitude * math.cos(angle), magnitude * math.sin(angle))
    if magnitude == 0:
        return complex(0.0, 0.0)
    return complex(math.nan, math.nan)
