"""Many texts through Guile's reader in one process (``read-write.scm --each``),
and through guixml's, compared.

:func:`differences` writes each text to a file, has Guile read them all in one
process and guixml read each (``read_file``, as the index reads modules), and
gives what disagrees: where Guile reads a text, guixml must write the same
bytes; where Guile cannot, guixml must raise its syntax or encoding error.
guixml raising anything else is a difference wherever Guile stands.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from conftest import READ_WRITE_SCM, guile_environment
from guixml.scheme import EncodingError, SchemeSyntaxError, read_file, write

# guixml refuses on purpose what Guile reads but Guix code never holds (arrays,
# SRFI-4 and bit vectors, #!r6rs and curly infix, a gexp prefix at the end of
# the text, which Guile reads as #<eof>): not a difference.
_DELIBERATE = ("unsupported", "not supported", "would read it as #<eof>")


def guile_outcomes(guile: str, paths: list[str]) -> list[list[str] | None]:
    """Per file, Guile's written data (one line a datum), or None where it errs."""
    result = subprocess.run(
        [guile, "--no-auto-compile", "-s", str(READ_WRITE_SCM), "--each", *paths],
        env=guile_environment(), capture_output=True, check=True, timeout=600)
    outcomes: list[list[str] | None] = []
    lines: list[str] = []
    for line in result.stdout.decode("utf-8", "surrogateescape").split("\n"):
        if line == "#<end>":
            outcomes.append(lines)
            lines = []
        elif line == "#<error>":
            outcomes.append(None)
            lines = []
        else:
            lines.append(line)
    assert len(outcomes) == len(paths), "Guile's output does not match the files"
    return outcomes


def differences(guile: str, texts: list[str]) -> list[tuple[str, str]]:
    """(text, what differs) for each text where guixml and Guile disagree."""
    found: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for k, text in enumerate(texts):
            path = Path(directory) / f"{k}.scm"
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        expected = guile_outcomes(guile, paths)
        for text, path, guile_lines in zip(texts, paths, expected):
            try:
                ours = [write(datum) for datum in read_file(path)]
            except (SchemeSyntaxError, EncodingError) as error:
                if guile_lines is not None and not any(
                        word in str(error) for word in _DELIBERATE) \
                        and not any("#<" in line for line in guile_lines):
                    found.append((text, f"guixml refuses what Guile reads: {error}"))
                continue
            except Exception as error:  # noqa: BLE001  (any other is the bug sought)
                found.append((text, f"guixml raised {type(error).__name__}: {error}"))
                continue
            if guile_lines is None:
                found.append((text, f"guixml reads what Guile refuses: {ours[:3]}"))
            elif ours != guile_lines and not any("#<" in line for line in guile_lines):
                found.append((text, f"guixml wrote {ours[:3]}, Guile {guile_lines[:3]}"))
    return found
