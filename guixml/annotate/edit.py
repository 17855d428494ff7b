"""Lossless source editing: splice new text at character spans, move nothing else.

The reader gives every list its ``start`` and ``end`` offsets in the file's
text; an :class:`Edit` replaces one such span (or inserts at one point) and
:func:`apply_edits` applies several at once.  Everything outside the edited
spans — comments, blank lines, odd indentation, tabs, ``\\r\\n`` — stays
byte-for-byte as it was, in the spirit of LibCST.

The helpers below answer the layout questions an editor asks: what column a
position is at, how to indent a new line so that it lines up with a given
position, and where to insert after an item so that a comment trailing that
item stays with it.
"""

from __future__ import annotations

from attrs import frozen

__all__ = ["Edit", "apply_edits", "line_start", "column", "indent_like",
           "insertion_point_after", "insert_after", "line_ending", "OverlappingEdits"]


class OverlappingEdits(ValueError):
    """Two edits touch the same text: a planning bug, never a user error."""


@frozen
class Edit:
    """Replace ``text[start:end]`` with ``replacement`` (an insertion when start == end)."""

    start: int
    end: int
    replacement: str

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit span {self.start}..{self.end}")


def apply_edits(text: str, edits: "list[Edit] | tuple[Edit, ...]") -> str:
    """TEXT with every edit applied; edits must not overlap.

    Two insertions at the same point are applied in the order given.
    """
    if not edits:
        return text
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]))
    pieces: list[str] = []
    position = 0
    for _, edit in ordered:
        if edit.start < position or edit.end > len(text):
            raise OverlappingEdits(f"edit {edit.start}..{edit.end} overlaps another "
                                   f"or runs past the end of the text")
        pieces.append(text[position:edit.start])
        pieces.append(edit.replacement)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def line_start(text: str, offset: int) -> int:
    """The offset of the first character of the line holding OFFSET."""
    return text.rfind("\n", 0, offset) + 1


def column(text: str, offset: int) -> int:
    """The column of OFFSET, counting characters from 0 (a tab counts as one)."""
    return offset - line_start(text, offset)


def indent_like(text: str, offset: int) -> str:
    """Whitespace that, at the start of a line, lines up with OFFSET.

    Tabs in the line before OFFSET are kept as tabs and every other character
    becomes a space, so alignment survives whatever tab width the reader uses.
    """
    prefix = text[line_start(text, offset):offset]
    return "".join(ch if ch == "\t" else " " for ch in prefix)


def insertion_point_after(text: str, end: int, limit: int) -> int:
    """Where to insert a new line after an item ending at END.

    When the rest of the item's line (before LIMIT, the closing delimiter of
    the enclosing list) is only blanks and a ``;`` comment, the insertion goes
    at the end of that line, so the comment stays on the item's line;
    otherwise it goes right after the item.
    """
    newline = text.find("\n", end, limit)
    if newline < 0:
        return end
    rest = text[end:newline]
    stripped = rest.strip(" \t\r")
    if stripped == "" or stripped.startswith(";"):
        # Lines ending in "\r\n": insert before the "\r" so the pair stays whole.
        if newline > end and text[newline - 1] == "\r":
            return newline - 1
        return newline
    return end


_CLOSERS = ")]"


def insert_after(text: str, end: int, limit: int, new: str) -> Edit:
    """The edit that puts NEW (starting with a line break) after the item ending at END.

    LIMIT is the offset of the enclosing list's closing delimiter.  Every
    comment stays on the line of the code it follows, right after it:

    * the rest of the item's line is blank or a comment: NEW goes at the end
      of that line (:func:`insertion_point_after`);
    * the item is the last of its list and its line goes on with closing
      delimiters, then a ``;`` comment (``(license x))) ;some music files``):
      the comment stays on the item's line, right after the item, NEW
      follows the comment, and the enclosing lists' closing delimiters move
      after NEW — where they close the same lists::

          (license x) ;some music files
          (properties '(…))))

    * anything else: NEW goes right after the item.
    """
    run = limit
    if text[end:limit].strip(" \t") == "":
        while run < len(text) and text[run] in _CLOSERS + " \t":
            run += 1
        if run < len(text) and text[run] == ";" and "\n" not in text[end:run]:
            stop = text.find("\n", run)
            stop = len(text) if stop < 0 else stop
            if stop > run and text[stop - 1] == "\r":
                stop -= 1
            delimiters = text[limit:run].rstrip(" \t")
            gap = text[limit + len(delimiters):run]
            return Edit(end, stop, gap + text[run:stop] + new + delimiters)
    position = insertion_point_after(text, end, limit)
    return Edit(position, position, new)


def line_ending(text: str) -> str:
    """The file's line ending: ``\\r\\n`` when its first line ends so, else ``\\n``."""
    newline = text.find("\n")
    if newline > 0 and text[newline - 1] == "\r":
        return "\r\n"
    return "\n"
