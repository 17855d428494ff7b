"""The data model shared by every stage of guixml: Scheme data as Python values.

Guile's reader produces these; guixml's reader produces the equivalent Python
values below, and the writer turns them back into text Guile reads as equal.

=====================  =========================================
Scheme                 Python
=====================  =========================================
symbol ``foo``         :class:`Symbol` (``sexpdata.Symbol``)
string ``"foo"``       :class:`str`
keyword ``#:foo``      :class:`Keyword` (its name, without ``#:``)
character ``#\\a``      :class:`Char`
``#t`` / ``#f``        ``True`` / ``False``
exact integer          :class:`int`
exact rational         :class:`fractions.Fraction` (never denominator 1)
a long exact number    :class:`BigNumber`: one read from more than 3,000
                       digits, kept as its digits (converted on demand)
inexact real           :class:`float`
inexact complex        :class:`complex`
proper list            :class:`List` (a ``list`` with a source span)
improper list          :class:`DottedList` (items and a tail)
vector ``#(…)``        :class:`Vector` (a ``tuple``)
bytevector ``#vu8(…)`` :class:`bytes`
``#nil``               :data:`NIL` (Guile's Elisp nil; rare)
=====================  =========================================

Why plain ``str`` for strings: ``sexpdata.String`` is the base class of
``sexpdata.Symbol``, so ``isinstance(x, String)`` would hold for symbols too;
a plain ``str`` keeps strings cheap and the test ``type(x) is str`` exact.

Python's ``==`` treats ``True == 1`` and ``List([]) == []``; use :func:`equal`
to compare data the way Scheme's ``equal?`` does.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from itertools import accumulate
from typing import Any, Union

import attrs
from sexpdata import Symbol

from guixml.scheme.numbers import BigNumber

__all__ = [
    "Symbol",
    "BigNumber",
    "Keyword",
    "Char",
    "List",
    "DottedList",
    "Vector",
    "NIL",
    "Source",
    "Location",
    "Datum",
    "equal",
    "sym",
]


class _TaggedString(str):
    """A string that is another kind of Scheme object: equal only to its own kind."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"


class Keyword(_TaggedString):
    """A Guile keyword such as ``#:phases``; the value is the name, ``phases``."""

    __slots__ = ()


class Char(_TaggedString):
    """A Scheme character such as ``#\\a``; the value is that one character."""

    __slots__ = ()


class _Nil:
    """Guile's ``#nil`` (Emacs Lisp's nil), seen in a few Guix modules; one instance."""

    __slots__ = ()
    _instance: "_Nil | None" = None

    def __new__(cls) -> "_Nil":
        if cls._instance is None:
            cls._instance = object.__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NIL"

    def __reduce__(self) -> str:
        return "NIL"


NIL = _Nil()


@attrs.frozen
class Location:
    """A point in a source file.

    ``line`` counts from 1 and ``column`` from 0, as Guile's source properties
    and Guix's ``location`` records do; ``offset`` is a character offset into
    the file's text.
    """

    file: str
    line: int
    column: int
    offset: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Source:
    """The text of one file, with the line table that turns offsets into locations.

    Data read from a file refer to its ``Source``; the line table is built only
    when a location is first asked for.
    """

    __slots__ = ("file", "text", "_line_starts")

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self._line_starts: list[int] | None = None

    def location(self, offset: int) -> Location:
        starts = self._line_starts
        if starts is None:
            # Offsets of line starts: running sums of the line lengths (newline
            # included), twice as fast as finding each newline in turn.
            starts = list(accumulate([len(line) + 1 for line in self.text.split("\n")],
                                     initial=0))
            starts.pop()
            self._line_starts = starts
        index = bisect.bisect_right(starts, offset) - 1
        return Location(self.file, index + 1, offset - starts[index], offset)

    def line_text(self, line: int) -> str:
        """The text of LINE (counting from 1), without its newline."""
        self.location(0)
        starts = self._line_starts
        assert starts is not None
        begin = starts[line - 1]
        end = self.text.find("\n", begin)
        return self.text[begin:] if end < 0 else self.text[begin:end]

    def __repr__(self) -> str:
        return f"Source({self.file!r})"


class List(list):
    """A proper Scheme list, remembering where it was read from.

    ``start`` and ``end`` are character offsets of the opening and one past
    the closing delimiter in ``source.text``; lists built by code have
    ``source`` set to ``None``.  The forms ``'x`` and ``#~x`` are lists too:
    their span covers the prefix and the datum.
    """

    __slots__ = ("source", "start", "end")

    def __init__(self, items: Any = (), source: Source | None = None,
                 start: int = -1, end: int = -1) -> None:
        list.__init__(self, items)
        self.source = source
        self.start = start
        self.end = end

    @property
    def location(self) -> Location | None:
        """Where the list starts, or ``None`` for a list built by code."""
        if self.source is None:
            return None
        return self.source.location(self.start)

    @property
    def text(self) -> str | None:
        """The exact source text of the list, or ``None`` for one built by code."""
        if self.source is None:
            return None
        return self.source.text[self.start:self.end]

    def __repr__(self) -> str:
        return f"List({list.__repr__(self)})"


class DottedList:
    """An improper list ``(a b . tail)``: at least one item, and a tail that is not a list."""

    __slots__ = ("items", "tail", "source", "start", "end")

    def __init__(self, items: Any, tail: Any, source: Source | None = None,
                 start: int = -1, end: int = -1) -> None:
        self.items = list(items)
        self.tail = tail
        self.source = source
        self.start = start
        self.end = end

    @property
    def location(self) -> Location | None:
        if self.source is None:
            return None
        return self.source.location(self.start)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DottedList) and self.items == other.items
                and self.tail == other.tail)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DottedList({self.items!r}, {self.tail!r})"


class Vector(tuple):
    """A Scheme vector ``#(…)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Vector({tuple.__repr__(self)})"


Datum = Union[Symbol, str, Keyword, Char, bool, int, Fraction, BigNumber, float, complex,
              List, DottedList, Vector, bytes, _Nil]

_symbols: dict[str, Symbol] = {}


def sym(name: str) -> Symbol:
    """The symbol NAME, one shared object per name (cheap to build in hot code)."""
    found = _symbols.get(name)
    if found is None:
        found = _symbols[name] = Symbol(name)
    return found


def equal(a: Any, b: Any) -> bool:
    """Scheme's ``equal?`` on guixml data: types must match, not just values."""
    ta, tb = type(a), type(b)
    if ta is BigNumber or tb is BigNumber:
        # An exact number of either representation: equal by value.
        return (ta is BigNumber or ta is int or ta is Fraction) \
            and (tb is BigNumber or tb is int or tb is Fraction) and a == b
    if ta is not tb:
        # A List built by code may be a plain list; treat both as lists.
        if isinstance(a, list) and isinstance(b, list):
            pass
        else:
            return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ta is DottedList:
        return (len(a.items) == len(b.items)
                and all(equal(x, y) for x, y in zip(a.items, b.items))
                and equal(a.tail, b.tail))
    if ta is float:
        # Guile's equal? on reals is eqv?: NaN equals NaN, 0.0 differs from -0.0.
        return (a != a and b != b) or (a == b and str(a) == str(b))
    return a == b
