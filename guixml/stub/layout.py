"""Lay out generated Scheme code the way ``guix style`` does.

guixml generates whole package definitions (``guixml stub``).  Atoms are
written by the Guile-faithful writer (:func:`guixml.scheme.writer.write`); this
module only decides where lines break and how far they are indented, after
the conventions of Guix's own pretty-printer: special forms keep a fixed
number of elements on their first line and indent their body by two columns
(``package``, ``origin``, ``lambda*``…), "newline forms" put their
arguments on the next line indented by one (``source``, ``sha256``,
``arguments``…), any other call aligns its arguments under the first one,
and a list that fits in 78 columns stays on one line.  The rules are data:
``guixml/data/layout.toml``.

The abbreviations ``'x`` ``#~x`` ``#$x`` (read as ``(quote x)``, ``(gexp
x)``, ``(ungexp x)``) are written in their short form, as Guix code is.
:class:`Verbatim` embeds text laid out elsewhere (a ``properties`` field
with its review comment, from :mod:`guixml.annotate.emit`).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from guixml.scheme.datum import DottedList, Keyword, Symbol
from guixml.scheme.writer import write

__all__ = ["Verbatim", "layout", "flat"]

# Heads written as a prefix, longest first where one is a prefix of another.
_ABBREVIATIONS = {
    "quote": "'",
    "quasiquote": "`",
    "unquote": ",",
    "unquote-splicing": ",@",
    "gexp": "#~",
    "ungexp": "#$",
    "ungexp-splicing": "#$@",
    "ungexp-native": "#+",
    "ungexp-native-splicing": "#+@",
}


class Verbatim(str):
    """Text already laid out for the column it is placed at; written as is."""


@functools.cache
def _rules() -> dict[str, Any]:
    with resources.files("guixml.data").joinpath("layout.toml").open("rb") as port:
        return tomllib.load(port)


def _abbreviation(datum: Any) -> tuple[str, Any] | None:
    if (isinstance(datum, list) and len(datum) == 2 and isinstance(datum[0], Symbol)
            and str(datum[0]) in _ABBREVIATIONS):
        return _ABBREVIATIONS[str(datum[0])], datum[1]
    return None


def flat(datum: Any) -> str:
    """DATUM on one line, abbreviations in their short form."""
    if isinstance(datum, Verbatim):
        return str(datum)
    short = _abbreviation(datum)
    if short:
        return short[0] + flat(short[1])
    if isinstance(datum, list):
        return "(" + " ".join(flat(item) for item in datum) + ")"
    if isinstance(datum, DottedList):
        return "(" + " ".join(flat(item) for item in datum.items) + " . " + flat(datum.tail) + ")"
    return write(datum)


def layout(datum: Any, column: int = 0, context: tuple[str, ...] = (), trailing: int = 0) -> str:
    """DATUM laid out to start at COLUMN, inside forms whose heads are CONTEXT (innermost last).

    TRAILING is the number of closing parentheses that will follow DATUM on
    its last line: they count towards the width.
    """
    if isinstance(datum, Verbatim):
        return str(datum)
    short = _abbreviation(datum)
    if short:
        prefix, inner = short
        return prefix + layout(inner, column + len(prefix), context, trailing)
    if not isinstance(datum, list) or not datum:
        return flat(datum)
    rules = _rules()
    head = str(datum[0]) if isinstance(datum[0], Symbol) else None
    one_line = flat(datum)
    multi_line_inside = "\n" in one_line
    if (not multi_line_inside and column + len(one_line) + trailing <= rules["width"]
            and head not in rules["always_break"]):
        return one_line
    inner_context = context + ((head,) if head else ())
    if head is None:
        return _aligned("(", datum, column + 1, inner_context, trailing)
    distinguished = _special(head, context)
    if distinguished is not None:
        first = datum[:distinguished]
        text = "(" + " ".join(flat(item) for item in first)
        body_column = column + 2
        return text + _body(datum[distinguished:], body_column, inner_context, trailing) + ")"
    if _newline_form(head, context):
        return "(" + head + _body(datum[1:], column + 1, inner_context, trailing) + ")"
    # An ordinary call: arguments aligned under the first one.
    if len(datum) == 1:
        return one_line
    return _aligned("(" + head + " ", datum[1:], column + len(head) + 2, inner_context, trailing)


def _special(head: str, context: tuple[str, ...]) -> int | None:
    rules = _rules()
    if context:
        in_context = rules["special_in_context"].get(context[-1], {})
        if head in in_context:
            return in_context[head]
    return rules["special"].get(head)


def _newline_form(head: str, context: tuple[str, ...]) -> bool:
    contexts = _rules()["newline"].get(head)
    if contexts is None:
        return False
    return not contexts or (bool(context) and context[-1] in contexts)


def _groups(items: list[Any]) -> list[list[Any]]:
    """Items with each keyword kept together with the value after it."""
    groups: list[list[Any]] = []
    index = 0
    while index < len(items):
        if isinstance(items[index], Keyword) and index + 1 < len(items):
            groups.append(items[index:index + 2])
            index += 2
        else:
            groups.append([items[index]])
            index += 1
    return groups


def _group_text(group: list[Any], column: int, context: tuple[str, ...], trailing: int) -> str:
    width = _rules()["width"]
    if len(group) == 2:
        keyword = flat(group[0])
        value_column = column + len(keyword) + 1
        value = layout(group[1], value_column, context, trailing)
        first_line = value.split("\n", 1)[0]
        if value_column + len(first_line) <= width:
            return keyword + " " + value
        return keyword + "\n" + " " * column + layout(group[1], column, context, trailing)
    return layout(group[0], column, context, trailing)


def _body(items: list[Any], column: int, context: tuple[str, ...], trailing: int) -> str:
    """ITEMS each on a new line at COLUMN (a keyword and its value share one)."""
    groups = _groups(items)
    return "".join(
        "\n" + " " * column
        + _group_text(group, column, context, trailing + 1 if index == len(groups) - 1 else 0)
        for index, group in enumerate(groups))


def _aligned(opening: str, items: list[Any], column: int, context: tuple[str, ...],
             trailing: int) -> str:
    """OPENING, the first item on the same line, the others under it at COLUMN."""
    groups = _groups(items)
    last = len(groups) - 1
    text = opening + _group_text(groups[0], column, context, trailing + 1 if last == 0 else 0)
    for index, group in enumerate(groups[1:], start=1):
        text += "\n" + " " * column + _group_text(
            group, column, context, trailing + 1 if index == last else 0)
    return text + ")"
