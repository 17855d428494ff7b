"""Shared test helpers: Guile as the oracle, and the optional real Guix tree.

Fixtures
--------
``guile``
    The path of the ``guile`` executable (``$GUILE`` or ``guile`` on PATH);
    the test is skipped when there is none.
``guile_env``
    An environment for running Guile the way the conformance contract says:
    ``LC_ALL=C.UTF-8``, no auto-compilation messages.
``guile_read_write``
    A function ``(paths) -> list[str]``: every top-level datum of the files,
    one line each, as ``tests/guile/read-write.scm`` (Guile's reader with
    Guix's gexp syntax, then ``write``) prints them.
``guix_source``
    The root of a Guix checkout named by ``$GUIX_SOURCE`` as a
    :class:`pathlib.Path`; the test is skipped when it is unset or missing.

The same helpers exist as plain functions (``find_guile``,
``guile_environment``, ``run_read_write``) for code that cannot take fixtures.
Tests that need Guile skip cleanly without it, so ``make test`` passes on a
machine without Guile, only with less coverage.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
READ_WRITE_SCM = TESTS / "guile" / "read-write.scm"
FIXTURES = TESTS / "fixtures"
# The developers' tools (tools/bench.py, tools/vectors.py) are imported by
# their tests as top-level modules.
sys.path.insert(0, str(TESTS.parent / "tools"))
# The cache's key (guixml.index.sealed) is made in a configuration directory
# of the test run's own, not in the user's, unless a key is given.
if "GUIXML_CACHE_KEY" not in os.environ:
    import tempfile
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="guixml-test-config-")


def find_guile() -> str | None:
    """The Guile executable to use as the oracle, or None."""
    return shutil.which(os.environ.get("GUILE", "guile"))


def guile_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    env["GUILE_AUTO_COMPILE"] = "0"
    return env


def run_read_write(guile: str, paths) -> list[str]:
    """Guile's line for every top-level datum of PATHS (read-write.scm)."""
    result = subprocess.run(
        [guile, "--no-auto-compile", "-s", str(READ_WRITE_SCM), *map(str, paths)],
        env=guile_environment(), capture_output=True, check=True,
    )
    return result.stdout.decode("utf-8").splitlines()


@pytest.fixture(scope="session")
def guile() -> str:
    found = find_guile()
    if found is None:
        pytest.skip("Guile 3.0 is not installed (the oracle of this test)")
    return found


@pytest.fixture(scope="session")
def guile_env() -> dict[str, str]:
    return guile_environment()


@pytest.fixture(scope="session")
def guile_read_write(guile):
    def read_write(paths) -> list[str]:
        return run_read_write(guile, paths)
    return read_write


@pytest.fixture(scope="session")
def guix_source() -> Path:
    root = os.environ.get("GUIX_SOURCE")
    if not root:
        pytest.skip("GUIX_SOURCE is not set (path of a Guix checkout)")
    path = Path(root)
    if not (path / "gnu" / "packages").is_dir():
        pytest.skip(f"GUIX_SOURCE has no gnu/packages: {root}")
    return path


def pytest_report_header(config):
    """The mode the suite runs in: pure Python or compiled (and which modules)."""
    from guixml.version import build_mode
    return f"guixml: {build_mode()}"
