"""The mode report (guixml/version.py): pure Python or compiled, and which
modules; the GUIXML_PURE switch; a stale build never runs; both modes give
the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import guixml
from guixml import version

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "channel"


def _run(args: list[str], pure: bool, tmp_path: Path, name: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GUIXML_CACHE_DIR=str(tmp_path / f"cache-{name}"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop(version.PURE_VARIABLE, None)
    if pure:
        env[version.PURE_VARIABLE] = "1"
    return subprocess.run([sys.executable, "-m", "guixml", *args], env=env, cwd=REPO,
                          capture_output=True, timeout=300)


def _usable_build() -> bool:
    built, unusable = version.built_state()
    return bool(built) and unusable is None


def test_mode_matches_the_modules_imported():
    import importlib
    for name in version.COMPILED_MODULES:
        importlib.import_module(name)
    compiled = [name for name in version.COMPILED_MODULES
                if sys.modules[name].__file__.endswith(tuple(EXTENSION_SUFFIXES))]
    assert version.compiled_modules() == compiled
    mode = version.build_mode()
    if compiled:
        assert mode == "compiled (mypyc): " + ", ".join(
            name.removeprefix("guixml.") for name in compiled)
        # One build runs all together or not at all.
        assert compiled == list(version.COMPILED_MODULES)
    else:
        assert mode.startswith("pure Python")


def test_version_says_pure_with_guixml_pure(tmp_path):
    done = _run(["--version"], True, tmp_path, "pure")
    assert done.returncode == 0
    line = done.stdout.decode()
    assert line.startswith(f"guixml {guixml.__version__}, pure Python")
    assert line.count("\n") == 1
    if version.built_state()[0]:
        assert "GUIXML_PURE is set" in line


def test_version_names_the_compiled_modules(tmp_path):
    if not _usable_build():
        pytest.skip("no compiled modules built (make compiled)")
    line = _run(["--version"], False, tmp_path, "compiled").stdout.decode()
    assert line == (f"guixml {guixml.__version__}, compiled (mypyc): "
                    + ", ".join(n.removeprefix("guixml.") for n in version.COMPILED_MODULES)
                    + "\n")


def _fake_tree(tmp_path: Path, monkeypatch, built: list[str]) -> Path:
    base = tmp_path / "guixml"
    suffix = EXTENSION_SUFFIXES[0]
    for name in version.COMPILED_MODULES:
        stem = base.joinpath(*name.split(".")[1:])
        stem.parent.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".py").write_text("")
        os.utime(stem.with_suffix(".py"), (1000, 1000))
        if name in built:
            Path(str(stem) + suffix).write_bytes(b"")
    (base / (version.GROUP_LIBRARY + suffix)).write_bytes(b"")
    monkeypatch.setattr(version, "_BASE", str(base))
    return base


def test_built_state_of_a_whole_fresh_build(tmp_path, monkeypatch):
    _fake_tree(tmp_path, monkeypatch, list(version.COMPILED_MODULES))
    assert version.built_state() == (list(version.COMPILED_MODULES), None)


def test_a_partial_build_is_not_used(tmp_path, monkeypatch):
    built = list(version.COMPILED_MODULES[:1])
    _fake_tree(tmp_path, monkeypatch, built)
    found, unusable = version.built_state()
    assert found == built and "another list" in unusable


def test_a_source_newer_than_its_build_is_not_used(tmp_path, monkeypatch):
    base = _fake_tree(tmp_path, monkeypatch, list(version.COMPILED_MODULES))
    source = base.joinpath(*version.COMPILED_MODULES[-1].split(".")[1:]).with_suffix(".py")
    os.utime(source, None)  # edited after the build
    assert "older than their source" in version.built_state()[1]
    monkeypatch.delenv(version.PURE_VARIABLE, raising=False)
    assert "older than their source" in version.pure_reason()


def test_nothing_built_is_plain_pure(tmp_path, monkeypatch):
    _fake_tree(tmp_path, monkeypatch, [])
    assert version.built_state() == ([], None)
    monkeypatch.setenv(version.PURE_VARIABLE, "1")
    assert version.pure_reason() is None  # nothing to say: there is only the source


def test_both_modes_give_the_same_audit_bytes(tmp_path):
    if not _usable_build():
        pytest.skip("no compiled modules built (make compiled)")
    args = ["audit", str(EXAMPLE), "--format", "json", "--all", "--fail-on", "never"]
    pure = _run(args, True, tmp_path, "pure")
    compiled = _run(args, False, tmp_path, "compiled")
    assert pure.returncode == compiled.returncode == 0, pure.stderr + compiled.stderr
    assert pure.stdout and pure.stdout == compiled.stdout
    assert pure.stderr == compiled.stderr
