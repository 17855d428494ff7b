"""Write guixml data as text, in the notation of Guile 3.0's ``write``.

Public API::

    write(datum) -> str

Guile reads the result back as an equal datum, and for every datum Guile's
reader can produce from Guix code the text is byte-identical to what
``(write datum)`` prints under ``LC_ALL=C.UTF-8``: abbreviations are written
as lists (``(quote x)``), strings escape ``"`` ``\\`` the named control
characters and the non-printing ones (``\\xHH``, ``\\uHHHH``, ``\\UHHHHHH``),
symbols that would not read back as themselves are written ``#{…}#``,
characters use Guile's names (``#\\space``, ``#\\nul``) or octal codes
(``#\\200``), reals use the shortest digits that read back (``1.0``,
``1.0e21``, ``1.0e-4``).

Which characters are "printing", "identifier" or named is Guile's (its
libunistring tables), recorded in ``guixml/data/guile-chars.csv``; the tests
regenerate those facts from Guile and compare.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from fractions import Fraction
from pathlib import Path

from guixml.datum import NIL, Char, DottedList, Keyword, List, Symbol, Vector
from guixml.numbers import parse_number

__all__ = ["write", "write_symbol", "write_string", "write_char", "write_real"]


# -- character classes, from Guile ------------------------------------------

def _load_ranges() -> dict[str, tuple[list[int], list[int]]]:
    """Per class: sorted starts and ends (inclusive) of code point ranges."""
    table: dict[str, tuple[list[int], list[int]]] = {}
    text = (Path(__file__).parent / "data" / "guile-chars.csv").read_text("utf-8")
    for row in csv.DictReader(line for line in text.splitlines()
                              if line and not line.startswith("#")):
        starts, ends = table.setdefault(row["class"], ([], []))
        starts.append(int(row["first"], 16))
        ends.append(int(row["last"], 16))
    return table


_RANGES = _load_ranges()


def _in_class(name: str, code: int) -> bool:
    starts, ends = _RANGES[name]
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def _class_set(name: str, limit: int = 0x800) -> frozenset[str]:
    """The characters below LIMIT in class NAME, for fast membership tests."""
    return frozenset(chr(c) for c in range(limit) if _in_class(name, c))


_FAST_LIMIT = 0x800
# Guile writes these inside strings as themselves ...
_PRINTING = _class_set("printing")
# ... may start a bare symbol / continue one / appear bare in #{ }#.
_INITIAL = _class_set("initial")
_SUBSEQUENT = _class_set("subsequent")
_EXTENDED_BARE = _class_set("extended-bare")


def _is(name: str, fast: frozenset[str], char: str) -> bool:
    if char in fast:
        return True
    code = ord(char)
    return code >= _FAST_LIMIT and _in_class(name, code)


# -- strings -----------------------------------------------------------------

_STRING_NAMED = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
                 "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_PLAIN_ASCII_STRING = re.compile(r'[ !#-\[\]-~]*')


def _string_escape(char: str) -> str:
    named = _STRING_NAMED.get(char)
    if named is not None:
        return named
    if _is("printing", _PRINTING, char):
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:06x}"


def write_string(value: str) -> str:
    """VALUE as a Guile string literal."""
    if _PLAIN_ASCII_STRING.fullmatch(value):
        return f'"{value}"'
    return '"' + "".join(map(_string_escape, value)) + '"'


# -- symbols and keywords ----------------------------------------------------

# Written forms of symbols seen, by id (Symbol's Python-level __hash__ and
# __eq__ make it a slow dict key); the symbol is kept alive with its text so
# that its id stays unique.
_symbol_cache: dict[int, tuple[str, object]] = {}


def _symbol_needs_braces(name: str) -> bool:
    if not name or name == ".":
        return True
    first = name[0]
    if first in "'`,\";#":
        return True
    if first in "+-.0123456789":
        try:
            if parse_number(name) is not None:
                return True
        except ValueError:
            return True
    if not _is("initial", _INITIAL, first):
        return True
    if first == ":" or name[-1] == ":":
        return False  # keyword-like symbols: Guile's default keyword style ends here
    for char in name[1:]:
        if char in '";#' or not _is("subsequent", _SUBSEQUENT, char):
            return True
    return False


def _extended_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if _is("extended-bare", _EXTENDED_BARE, char):
        return char
    return f"\\x{ord(char):x};"


def write_symbol(name: str) -> str:
    """The symbol NAME as Guile writes it (bare, or ``#{…}#``)."""
    found = _symbol_cache.get(id(name))
    if found is not None:
        return found[0]
    plain = str.__str__(name)
    if _symbol_needs_braces(plain):
        text = "#{" + "".join(map(_extended_char, plain)) + "}#"
    else:
        text = plain
    if type(name) is Symbol:
        _symbol_cache[id(name)] = (text, name)
    return text


# -- characters ----------------------------------------------------------------

# Guile's names when writing characters (a subset of the names it reads).
_CHAR_WRITE_NAMES = {
    "\0": "nul", "\x01": "soh", "\x02": "stx", "\x03": "etx", "\x04": "eot",
    "\x05": "enq", "\x06": "ack", "\a": "alarm", "\b": "backspace", "\t": "tab",
    "\n": "newline", "\v": "vtab", "\f": "page", "\r": "return", "\x0e": "so",
    "\x0f": "si", "\x10": "dle", "\x11": "dc1", "\x12": "dc2", "\x13": "dc3",
    "\x14": "dc4", "\x15": "nak", "\x16": "syn", "\x17": "etb", "\x18": "can",
    "\x19": "em", "\x1a": "sub", "\x1b": "esc", "\x1c": "fs", "\x1d": "gs",
    "\x1e": "rs", "\x1f": "us", " ": "space", "\x7f": "delete",
}


def write_char(char: str) -> str:
    """The character CHAR as Guile writes it: ``#\\a``, ``#\\space``, ``#\\200``."""
    name = _CHAR_WRITE_NAMES.get(char)
    if name is not None:
        return "#\\" + name
    if _is("char-printing", _CHAR_PRINTING, char):
        return "#\\" + char
    if _is("char-combining", _CHAR_COMBINING, char):
        return "#\\\u25cc" + char
    return f"#\\{ord(char):o}"


_CHAR_PRINTING = _class_set("char-printing")
_CHAR_COMBINING = _class_set("char-combining")


# -- numbers -------------------------------------------------------------------

_REPR = re.compile(r"(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?")


def write_real(value: float) -> str:
    """VALUE (a float) in Guile's notation: shortest digits, ``.0`` always there."""
    if value != value:
        return "+nan.0"
    if value in (math.inf, -math.inf):
        return "+inf.0" if value > 0 else "-inf.0"
    sign, whole, fraction, exponent = _REPR.fullmatch(repr(value)).groups()
    digits = whole + (fraction or "")
    point = len(whole) + int(exponent or 0)   # value = 0.DIGITS x 10^point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    if digits == "0":
        return sign + "0.0"
    scientific = point - 1
    if -3 <= scientific < max(7, len(digits)):
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}e{scientific}"


def _write_number(value) -> str:
    kind = type(value)
    if kind is float:
        return write_real(value)
    if kind is complex:
        imag = write_real(value.imag)
        if imag[0] not in "+-":
            imag = "+" + imag
        return write_real(value.real) + imag + "i"
    if kind is Fraction:
        return f"{value.numerator}/{value.denominator}"
    return str(int(value))


# -- data ------------------------------------------------------------------------


def write(datum) -> str:
    """DATUM as Guile 3.0's ``write`` prints it."""
    parts: list[str] = []
    _write_into(datum, parts.append)
    return "".join(parts)


def _write_into(datum, emit) -> None:
    kind = type(datum)
    if kind is Symbol:
        emit(write_symbol(datum))
    elif kind is str:
        emit(write_string(datum))
    elif kind is List or kind is list:
        if not datum:
            emit("()")
            return
        emit("(")
        first = True
        for item in datum:
            if first:
                first = False
            else:
                emit(" ")
            _write_into(item, emit)
        emit(")")
    elif kind is Keyword:
        emit("#:" + write_symbol(str(datum)))
    elif kind is bool:
        emit("#t" if datum else "#f")
    elif kind is int or kind is float or kind is Fraction or kind is complex:
        emit(_write_number(datum))
    elif kind is Char:
        emit(write_char(str(datum)))
    elif kind is DottedList:
        emit("(")
        for item in datum.items:
            _write_into(item, emit)
            emit(" ")
        emit(". ")
        _write_into(datum.tail, emit)
        emit(")")
    elif kind is Vector or kind is tuple:
        emit("#(")
        first = True
        for item in datum:
            if first:
                first = False
            else:
                emit(" ")
            _write_into(item, emit)
        emit(")")
    elif datum is NIL:
        emit("#nil")
    elif kind is bytes or kind is bytearray:
        emit("#vu8(" + " ".join(map(str, datum)) + ")")
    else:
        raise TypeError(f"not a guixml datum: {datum!r}")
