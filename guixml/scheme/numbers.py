"""Guile's ``string->number`` for the reader and the writer.

The reader needs it to tell numbers from symbols (``1+`` and ``-`` are
symbols, ``+5`` and ``1/2`` are numbers); the writer needs it because Guile
writes a symbol that would read back as a number inside ``#{ }#``.

Covered: exact integers and rationals in radix 2, 8, 10 and 16; decimals with
the exponent markers Guile accepts (``e s f d l``, any case); ``+inf.0``,
``-inf.0``, ``+nan.0`` (any case); the prefixes ``#x #b #o #d #e #i`` in any
order (each kind at most once); rectangular and polar complex numbers;
and R5RS ``#`` digit placeholders (``1#`` is ``10.0``).
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction

__all__ = ["parse_number", "NumberRangeError", "int_from_digits", "int_to_text"]


class NumberRangeError(ValueError):
    """A decimal whose exponent Guile refuses (``1e309``): an error, not a symbol."""


_DIGITS = {2: "01", 8: "0-7", 10: "0-9", 16: "0-9a-fA-F"}
_EXPONENT = "[eEsSfFdDlL][+-]?[0-9]+"


def _ureal(radix: int) -> str:
    # R5RS '#' digit placeholders ("1#" is 10.0) are allowed after the digits.
    d = _DIGITS[radix]
    integer = rf"[{d}]+#*(?:/[{d}]+#*)?"
    if radix == 10:
        decimal = (rf"(?:[0-9]+#+\.#*|[0-9]+\.[0-9]*#*|\.[0-9]+#*|[0-9]+#*)"
                   rf"(?:{_EXPONENT})?")
        return rf"(?:{integer}(?![.eEsSfFdDlL])|{decimal})"
    return integer


def _real_pattern(radix: int) -> re.Pattern[str]:
    return re.compile(rf"[+-]?{_ureal(radix)}|[+-](?:[iI][nN][fF]|[nN][aA][nN])\.0")


_REAL = {radix: _real_pattern(radix) for radix in _DIGITS}
_UREAL_OR_INF = {radix: re.compile(rf"{_ureal(radix)}|(?:[iI][nN][fF]|[nN][aA][nN])\.0")
                 for radix in _DIGITS}
# What Guile reads as a decimal up to its exponent (R5RS: placeholders after
# the integer digits leave only placeholders after the point).  Possessive,
# so that a long run of digits is scanned once (a backtracking "[0-9]+[0-9]*"
# tried every split of it: quadratic).
_EXPONENT_PREFIX = re.compile(
    r"[+-]?(?:[0-9]++(?:#++(?:\.#*+)?|\.[0-9]*+#*+)?|\.[0-9]++#*+)[eEsSfFdDlL]([+-]?[0-9]++)")
# The real part of a complex number as Guile's reader takes it (greedily),
# and the unsigned decimal after it: Guile checks that one's exponent too.
_EXP = r"[eEsSfFdDlL][+-]?[0-9]++"
_REAL_PREFIX = re.compile(
    rf"[+-]?(?:[0-9]++#*+(?:/[0-9]++#*+|(?:\.[0-9]*+#*+)?(?:{_EXP})?)|\.[0-9]++#*+(?:{_EXP})?)"
    r"|[+-](?:[iI][nN][fF]|[nN][aA][nN])\.0")
_UNSIGNED_EXPONENT_PREFIX = re.compile(
    r"(?:[0-9]++(?:#++(?:\.#*+)?|\.[0-9]*+#*+)?|\.[0-9]++#*+)[eEsSfFdDlL]([+-]?[0-9]++)")
_DECIMAL_EXPONENT = re.compile(r"[eEsSfFdDlL]([+-]?[0-9]++)$")

# -- exact integers of any size -----------------------------------------------
#
# Python refuses to convert decimal text of more than 4,300 digits to an int
# and back (``sys.get_int_max_str_digits``), and its conversions are
# quadratic.  Guile reads and writes exact integers of any size.  These
# convert by halves instead (Karatsuba products one way, decimal arithmetic
# the other): about a second for a million digits, no process-wide setting.

_SMALL_DIGITS = 3000          # below Python's limit: int() and str() directly
_SMALL_BITS = 9000            # about 2,700 decimal digits


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


def _exponent(text: str) -> int:
    """A decimal exponent's value as Guile reads it: its digits are taken only
    while the value is at most 308 (``1e-3240`` is ``1e-324``, ``1e3080`` is
    out of range), so at most four digits after the leading zeros count."""
    value = 0
    for digit in text.lstrip("+-").lstrip("0"):
        value = value * 10 + ord(digit) - 48
        if value > 308:
            break
    return -value if text.startswith("-") else value


def _decimal_fraction(mantissa: str) -> Fraction:
    """The exact value of an unsigned decimal MANTISSA such as ``12.5`` or ``.5``."""
    whole, _, fraction = mantissa.partition(".")
    return Fraction(int_from_digits(whole + fraction or "0"), 10 ** len(fraction))


def _real_value(text: str, radix: int, exact: bool | None):
    """The value of a real TEXT that matched the real pattern."""
    if "#" in text:  # placeholders: zeros, and an inexact number unless #e
        text = text.replace("#", "0")
        if exact is None:
            exact = False
    body = text.lstrip("+-")
    negative = text.startswith("-")
    lower = body.lower()
    if lower in ("inf.0", "nan.0"):
        if exact:
            return None
        value = math.inf if lower == "inf.0" else math.nan
        return -value if negative and lower == "inf.0" else value
    if radix == 10 and ("." in body or _DECIMAL_EXPONENT.search(body)):
        found = _DECIMAL_EXPONENT.search(body)
        mantissa = body
        exponent = 0
        if found:
            exponent = _exponent(found.group(1))
            mantissa = body[:found.start()]
            # Guile refuses exponents beyond what a double can hold.
            if exponent > 308 or exponent < -324:
                raise NumberRangeError(f"value out of range: {text}")
        if exact:
            value = _decimal_fraction(mantissa) * Fraction(10) ** exponent
            value = -value if negative else value
            return int(value) if value.denominator == 1 else value
        value = float(f"{mantissa}e{exponent}")
        return -value if negative else value
    if "/" in body:
        num, den = body.split("/")
        denominator = int_from_digits(den, radix)
        if denominator == 0:
            return None
        value = Fraction(int_from_digits(num, radix), denominator)
        value = -value if negative else value
        if exact is False:
            return _inexact(value)
        return int(value) if value.denominator == 1 else value
    value = int_from_digits(body, radix)
    value = -value if negative else value
    if exact is False:
        return _inexact(value)
    return value


def parse_number(text: str, radix: int = 10):
    """The number TEXT denotes as Guile's ``string->number`` reads it, or ``None``.

    Raises :class:`NumberRangeError` for decimals Guile rejects outright.
    """
    exact: bool | None = None
    seen_radix = False
    while text[:1] == "#":
        flag = text[1:2].lower()
        if flag in ("e", "i") and exact is None:
            exact = flag == "e"
        elif flag in ("x", "b", "o", "d") and not seen_radix:
            seen_radix = True
            radix = {"x": 16, "b": 2, "o": 8, "d": 10}[flag]
        else:
            return None
        text = text[2:]
    if not text:
        return None
    if radix == 10:
        # Guile checks a decimal exponent as soon as it has read it, so even a
        # token that is no number ("1e400x") is an error when it is out of range.
        found = _EXPONENT_PREFIX.match(text)
        if found and not -324 <= _exponent(found.group(1)) <= 308:
            raise NumberRangeError(f"value out of range: {text}")
        # And in the second part of a complex number ("1+1e999i", "1@1e999").
        head = _REAL_PREFIX.match(text)
        if head and head.end() < len(text) and text[head.end()] in "+-@":
            after = head.end() + 1
            second = (_EXPONENT_PREFIX if text[head.end()] == "@"
                      else _UNSIGNED_EXPONENT_PREFIX).match(text, after)
            if second and not -324 <= _exponent(second.group(1)) <= 308:
                raise NumberRangeError(f"value out of range: {text}")
    real = _REAL[radix]
    whole = real.fullmatch(text)
    if whole:
        return _real_value(text, radix, exact)
    return _complex(text, radix, exact)


def _complex(text: str, radix: int, exact: bool | None):
    """Rectangular ``a+bi``/``+bi``/``+i`` or polar ``a@b`` forms, else ``None``."""
    real = _REAL[radix]
    if "@" in text:
        left, _, right = text.partition("@")
        if not (real.fullmatch(left) and real.fullmatch(right)):
            return None
        magnitude = _real_value(left, radix, exact)
        angle = _real_value(right, radix, exact)
        if magnitude is None or angle is None:
            return None
        if (angle == 0 and not isinstance(angle, float)) or (
                magnitude == 0 and not isinstance(magnitude, float)):
            return magnitude
        return _polar(_to_float(magnitude), _to_float(angle))
    if not text.endswith(("i", "I")) or exact:
        return None
    body = text[:-1]
    # Split at the sign that starts the imaginary part (not one after an exponent).
    split = None
    for index in range(len(body) - 1, -1, -1):
        if body[index] in "+-" and (index == 0 or body[index - 1] not in "eEsSfFdDlL"
                                    or radix != 10):
            split = index
            break
    if split is None:
        return None
    left, imaginary = body[:split], body[split:]
    if imaginary in ("+", "-"):
        imaginary += "1"
    elif not _UREAL_OR_INF[radix].fullmatch(imaginary[1:]):
        return None
    if left and not real.fullmatch(left):
        return None
    re_part = _real_value(left, radix, exact) if left else 0
    im_part = _real_value(imaginary, radix, exact)
    if re_part is None or im_part is None:
        return None
    if im_part == 0 and not isinstance(im_part, float):
        return re_part
    return complex(_to_float(re_part), _to_float(im_part))


def _inexact(value: int | Fraction) -> float:
    """VALUE as a float; beyond a double's range, an infinity (as Guile gives)."""
    try:
        return float(value) if type(value) is int else value.numerator / value.denominator
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _to_float(value) -> float:
    return value if type(value) is float else _inexact(value)


def _polar(magnitude: float, angle: float) -> complex:
    """MAGNITUDE@ANGLE as Guile reads it (measured: an angle that is not finite
    gives NaNs, but a zero magnitude stays 0.0+0.0i)."""
    if math.isfinite(angle):
        return complex(magnitude * math.cos(angle), magnitude * math.sin(angle))
    if magnitude == 0:
        return complex(0.0, 0.0)
    return complex(math.nan, math.nan)
