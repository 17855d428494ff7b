"""Many texts through Guile's reader in one process (``read-write.scm --each``).

``guile_outcomes(guile, texts)`` gives, for each text, the lines Guile's
``write`` prints for its data, or ``None`` where Guile cannot read it;
``guixml_outcome(text)`` gives the same from guixml, ``None`` for a
:class:`SchemeSyntaxError`.  Any other exception from guixml propagates:
the tests count it as a failure.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from conftest import READ_WRITE_SCM, guile_environment
from guixml.scheme import SchemeSyntaxError, read_string, write


def guile_outcomes(guile: str, texts: list[str]) -> list[list[str] | None]:
    """Per text, Guile's written data (one line a datum), or None where it errs."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for k, text in enumerate(texts):
            path = Path(directory) / f"{k}.scm"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
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
    assert len(outcomes) == len(texts), "Guile's output does not match the texts"
    return outcomes


def guixml_outcome(text: str) -> list[str] | None:
    """guixml's written data of TEXT (one string a datum), None for a syntax error."""
    try:
        data = read_string(text)
    except SchemeSyntaxError:
        return None
    return [write(datum) for datum in data]
