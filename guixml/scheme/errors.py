"""The reader's errors: text Guile would not read, and files that are not UTF-8.

Each names the file, line and column (as Guile counts them), and a syntax
error shows the line with a caret under the spot.
"""

from __future__ import annotations

from guixml.errors import GuixmlError
from guixml.scheme.datum import Location, Source


class SchemeSyntaxError(GuixmlError):
    """Text that Guile's reader would reject, with where and a caret under the spot."""

    def __init__(self, message: str, source: Source, offset: int) -> None:
        self.message = message
        self.source = source
        self.location: Location = source.location(min(offset, len(source.text)))
        super().__init__(self._render())

    def _render(self) -> str:
        loc = self.location
        line = self.source.line_text(loc.line).expandtabs(1)
        caret = " " * loc.column + "^"
        return f"{loc}: {self.message}\n  {line}\n  {caret}"


class EncodingError(GuixmlError):
    """A file that is not UTF-8 text, located at its first bad byte as Guile
    counts (line from 1, column in characters from 0)."""

    def __init__(self, name: str, data: bytes, error: UnicodeDecodeError) -> None:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        self.location = Location(name, data.count(b"\n", 0, error.start) + 1,
                                 len(data[line_start:error.start].decode("utf-8", "replace")))
        self.byte = data[error.start]
        super().__init__(f"{self.location}: not UTF-8 text "
                         f"(byte 0x{self.byte:02x}: {error.reason})")


def decode_utf8(name: str, data: bytes) -> str:
    """DATA as UTF-8 text, or :class:`EncodingError` naming where it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EncodingError(name, data, error) from None
