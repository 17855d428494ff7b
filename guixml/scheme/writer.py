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
import gc
import math
import re
from fractions import Fraction
from pathlib import Path

from guixml.scheme.datum import NIL, Char, DottedList, Keyword, List, Symbol, Vector
from guixml.scheme.numbers import BigNumber, int_to_text, parse_number

__all__ = ["write", "write_symbol", "write_string", "write_char", "write_real"]


# -- character classes, from Guile ------------------------------------------

def _load_ranges() -> dict[str, tuple[list[int], list[int]]]:
    """Per class: sorted starts and ends (inclusive) of code point ranges."""
    table: dict[str, tuple[list[int], list[int]]] = {}
    text = (Path(__file__).parent.parent / "data" / "guile-chars.csv").read_text("utf-8")
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


def _bmp_complement_class(name: str, excluded: str) -> str:
    """A regex character class of the BMP characters NOT in class NAME, plus EXCLUDED.

    Limited to the BMP so that the regex engine compiles it to a bitmap (with
    ranges beyond it, it would test hundreds of ranges per character).
    """
    starts, ends = _RANGES[name]
    pieces = [re.escape(c) for c in excluded]
    previous = 0
    for start, end in zip(starts, ends):
        if start >= 0x10000:
            break
        if start > previous:
            pieces.append(f"{re.escape(chr(previous))}-{re.escape(chr(start - 1))}")
        previous = end + 1
    if previous < 0x10000:
        pieces.append(f"{re.escape(chr(previous))}-\uffff")
    return "[" + "".join(pieces) + "]"


# Characters a string literal may not hold as themselves (astral characters
# are decided one by one in _string_escape).
_STRING_SPECIAL = re.compile(
    _bmp_complement_class("printing", '"\\') + "|[\U00010000-\U0010ffff]")
_PLAIN_ASCII = re.compile(r"[ !#-\[\]-~]*")


def _string_escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _STRING_NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code >= 0x10000 and _in_class("printing", code):
        return char
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:06x}"


def write_string(value: str) -> str:
    """VALUE as a Guile string literal."""
    if _PLAIN_ASCII.fullmatch(value):
        return '"' + value + '"'
    return '"' + _STRING_SPECIAL.sub(_string_escape, value) + '"'


# -- symbols and keywords ----------------------------------------------------

# Written forms of symbols seen, by id: Symbol's Python-level __hash__ and
# __eq__ make symbols slow dict keys.  The symbols are kept alive in
# _symbol_keep so that no other object can take their ids.
_symbol_cache: dict[int, str] = {}
_symbol_keep: list = []


# Most symbols: ASCII identifier characters, first one not a digit, sign,
# dot or colon (so never a number, never keyword-like).  Each of these
# characters is "initial" and "subsequent" in Guile's tables.
_PLAIN_SYMBOL = re.compile(r"[A-Za-z!$%&*/<=>?^_~][-A-Za-z0-9!$%&*/<=>?^_~+.@:]*")


def _symbol_needs_braces(name: str) -> bool:
    if _PLAIN_SYMBOL.fullmatch(name):
        return False
    return _symbol_needs_braces_by_rules(name)


def _symbol_needs_braces_by_rules(name: str) -> bool:
    """Guile's symbol_has_extended_read_syntax, on its character tables."""
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
    # A backslash stays single, as Guile writes it (even where it then reads
    # back as an escape: Guile's own write does not round-trip there).
    if _is("extended-bare", _EXTENDED_BARE, char):
        return char
    return f"\\x{ord(char):x};"


def write_symbol(name: str) -> str:
    """The symbol NAME as Guile writes it (bare, or ``#{…}#``)."""
    found = _symbol_cache.get(id(name))
    if found is not None:
        return found
    plain = str.__str__(name)
    if _symbol_needs_braces(plain):
        text = "#{" + "".join(map(_extended_char, plain)) + "}#"
    else:
        text = plain
    if type(name) is Symbol:
        _symbol_cache[id(name)] = text
        _symbol_keep.append(name)
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
    # Guile's choice, measured over digit counts and exponents (tests compare):
    # positional from 0.00ddd up to 7 integer digits, or up to 3 zeros appended.
    if -2 <= point <= max(7, len(digits) + 3):
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
        return f"{int_to_text(value.numerator)}/{int_to_text(value.denominator)}"
    if kind is BigNumber:
        return value.written()
    return int_to_text(int(value))


# -- data ------------------------------------------------------------------------
#
# Speed matters (a whole Guix tree is ~3.5 million tokens): the text goes into
# one list of parts joined once at the end (joining per list would copy each
# character once per nesting level), symbols come from a cache by id, and
# the common kinds are tested first.


def write(datum) -> str:
    """DATUM as Guile 3.0's ``write`` prints it."""
    try:
        return _write(datum)
    except RecursionError:  # nested deeper than Python's stack: Guile's is not bounded
        # Its frames and parts are many and make no cycle: with the cyclic
        # collector running, its passes over them made the time superlinear
        # (1M characters of nesting: 0.61 s with, 0.25 s without).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _write_deep(datum)
        finally:
            if collecting:
                gc.enable()


def _write(datum) -> str:
    kind = type(datum)
    if kind is List or kind is list:
        if not datum:
            return "()"
        parts = ["("]
        _write_items(datum, parts, parts.append)
        return "".join(parts)
    if kind is Symbol:
        return write_symbol(datum)
    parts = []
    _write_other(datum, parts, parts.append)
    return "".join(parts)


_END = object()


def _write_deep(datum) -> str:
    """What :func:`_write` gives, with a stack of its own instead of recursion.

    Slower, so only for data nested too deep for the recursive writer.  Each
    frame is [the items left, the dotted tail still to write or _END, whether
    no item was written yet]."""
    parts: list[str] = []
    stack: list[list] = []
    value = datum
    while True:
        kind = type(value)
        if kind is DottedList:
            parts.append("(")
            stack.append([iter(value.items), value.tail if value.tail is not NIL else _END,
                          True])
        elif (kind is List or kind is list or kind is Vector or kind is tuple) and value:
            parts.append("#(" if kind is Vector or kind is tuple else "(")
            stack.append([iter(value), _END, True])
        else:  # an atom or an empty sequence: no nesting
            parts.append(_write(value))
        while stack:
            frame = stack[-1]
            item = next(frame[0], _END)
            if item is not _END:
                if not frame[2]:
                    parts.append(" ")
                frame[2] = False
                value = item
                break
            if frame[1] is not _END:
                parts.append(" . ")
                value, frame[1] = frame[1], _END
                break
            parts.append(")")
            stack.pop()
        else:
            return "".join(parts)


def _write_items(items, parts: list, append) -> None:
    """Append the items separated by spaces, then ")"."""
    cached = _symbol_cache.get
    for item in items:
        kind = type(item)
        if kind is Symbol:
            append(cached(id(item)) or write_symbol(item))
        elif kind is List:
            if item:
                append("(")
                _write_items(item, parts, append)
            else:
                append("()")
        elif kind is str:
            append(write_string(item))
        else:
            _write_other(item, parts, append)
        append(" ")
    parts[-1] = ")"


def _write_other(datum, parts: list, append) -> None:
    kind = type(datum)
    if kind is Keyword:
        append("#:" + write_symbol(str.__str__(datum)))
    elif kind is bool:
        append("#t" if datum else "#f")
    elif kind is int:
        append(int_to_text(datum))
    elif kind is List or kind is list:
        if datum:
            append("(")
            _write_items(datum, parts, append)
        else:
            append("()")
    elif kind is Symbol:
        append(write_symbol(datum))
    elif kind is str:
        append(write_string(datum))
    elif kind is float or kind is Fraction or kind is complex or kind is BigNumber:
        append(_write_number(datum))
    elif kind is Char:
        append(write_char(str.__str__(datum)))
    elif kind is DottedList:
        append("(")
        _write_items(datum.items, parts, append)
        if datum.tail is not NIL:  # Guile prints a #nil tail as the end of a list
            parts[-1] = " . "
            _write_other(datum.tail, parts, append)
            append(")")
    elif kind is Vector or kind is tuple:
        if datum:
            append("#(")
            _write_items(datum, parts, append)
        else:
            append("#()")
    elif datum is NIL:
        append("#nil")
    elif kind is bytes or kind is bytearray:
        append("#vu8(" + " ".join(map(str, datum)) + ")")
    else:
        raise TypeError(f"not a guixml datum: {datum!r}")
