"""The SRFI-64 tests of the Guile channel, run under Guile 3.0."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from _ml_oracle import CHANNEL, REPO, guile_env, guile_or_skip

SUITES = sorted((REPO / "tests" / "guile").glob("ml*.scm"))
SUITES = [s for s in SUITES if s.name != "ml-oracle.scm"]


@pytest.mark.guile
@pytest.mark.parametrize("suite", SUITES, ids=lambda p: p.name)
def test_srfi64_suite(suite: Path, tmp_path: Path) -> None:
    guile = guile_or_skip()
    completed = subprocess.run(
        [guile, "--no-auto-compile", "-L", str(CHANNEL), str(suite)],
        cwd=tmp_path,  # SRFI-64 writes its log in the current directory
        capture_output=True,
        text=True,
        env=guile_env(),
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert "unexpected failures" not in output, output
    assert "# of expected passes" in output, output
    assert completed.returncode == 0, output


def test_guix_channel_file() -> None:
    text = (REPO / ".guix-channel").read_text()
    assert '(directory "channel")' in text and "(version 0)" in text
