"""Run the Guile side of the ML vocabulary ((guixml ml)) on many annotations at once.

One Guile process answers a whole batch: tests/guile/ml-oracle.scm reads the
data on its standard input and prints one result line per datum.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

import pytest
import sexpdata

REPO = Path(__file__).resolve().parent.parent
CHANNEL = REPO / "channel"
ORACLE = REPO / "tests" / "guile" / "ml-oracle.scm"
GUILE = os.environ.get("GUILE", "guile")

# (code, key) pairs and {policy: (verdict, class, reasons)}
Result = tuple[list[tuple[str, str | None]], dict[str, tuple[str, str, tuple[str, ...]]]]


def guile_or_skip() -> str:
    path = shutil.which(GUILE)
    if path is None:
        pytest.skip(f"{GUILE} (Guile 3.0) is not installed")
    return path


def guile_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GUILE_AUTO_COMPILE"] = "0"  # no compiled files in the user's cache from tests
    env.pop("GUILE_LOAD_PATH", None)
    return env


def _parse(line: str) -> Result:
    datum = sexpdata.loads(line)
    assert str(datum[0]) == "result", line
    problems = [
        (str(code), None if str(key) == "none" else str(key)) for code, key in datum[1][1:]
    ]
    verdicts = {
        str(policy): (str(verdict), str(cls), tuple(str(r) for r in reasons))
        for policy, verdict, cls, reasons in datum[2][1:]
    }
    return problems, verdicts


def run_oracle(texts: Iterable[str]) -> list[Result]:
    """What (guixml ml) says of each Scheme datum in TEXTS, in order."""
    texts = list(texts)
    guile = guile_or_skip()
    completed = subprocess.run(
        [guile, "--no-auto-compile", "-L", str(CHANNEL), str(ORACLE)],
        input="\n".join(texts),
        capture_output=True,
        text=True,
        env=guile_env(),
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == len(texts), completed.stderr
    return [_parse(line) for line in lines]
