"""The exceptions guixml raises on bad input: each names where, never a traceback."""

from __future__ import annotations

from guixml.datum import Location, Source


class GuixmlError(Exception):
    """Any error guixml reports to a user; the CLI prints it and exits 2."""


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
