"""The same input gives the same bytes: in every report format, and in the
per-file summaries the cache stores, whatever the process's hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guixml.report import FORMATS

ROOT = Path(__file__).resolve().parents[2]
TREES = [ROOT / "examples" / "channel", ROOT / "tests" / "fixtures" / "report" / "unusual",
         ROOT / "tests" / "fixtures" / "channel-model" / "demo"]

RENDER_ALL = """
import hashlib, json, sys
from guixml.api import audit_report
from guixml.report import FORMATS, render
result = audit_report(sys.argv[1:], cache=False)
print(json.dumps({f: hashlib.sha256(render(result, f, all_packages=True).encode()).hexdigest()
                  for f in FORMATS}))
"""

SUMMARIES = """
import hashlib, json, os, sys
from guixml.index.channel import dump_summary, summarize_file
out = {}
for root in sys.argv[1:]:
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".scm"):
                path = os.path.join(dirpath, name)
                relative = os.path.relpath(path, root)
                out[path] = hashlib.sha256(dump_summary(summarize_file((path, relative)))).hexdigest()
print(json.dumps(out))
"""


def _run(code: str, args: list[str], seed: int, tmp_path: Path) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "SOURCE_DATE_EPOCH": "1700000000",
           "GUIXML_CACHE_DIR": str(tmp_path / f"cache-{seed}"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def test_every_format_gives_the_same_bytes_twice(tmp_path):
    trees = [str(t) for t in TREES]
    first = _run(RENDER_ALL, trees, 1, tmp_path)
    second = _run(RENDER_ALL, trees, 2, tmp_path)
    assert sorted(first) == sorted(FORMATS)
    assert first == second


def test_summaries_pickle_alike_under_other_hash_seeds(tmp_path):
    roots = [str(t) for t in TREES]
    guix = os.environ.get("GUIX_SOURCE")
    if guix:  # modules with many exports, where set order showed
        roots.append(os.path.join(guix, "guix", "build-system"))
    first = _run(SUMMARIES, roots, 1, tmp_path)
    second = _run(SUMMARIES, roots, 2, tmp_path)
    assert first and first == second


def test_problem_texts_name_no_object_address():
    from guixml.api import audit_report
    result = audit_report([str(TREES[1])], cache=False)
    texts = [str(p) for p in result.problems]
    assert any("twice" in t for t in texts)
    assert not any(" at 0x" in t for t in texts), texts


@pytest.mark.parametrize("module", ["guixml.evaluate.values", "guixml.evaluate.macros",
                                    "guixml.evaluate.interpreter", "guixml.evaluate.summary"])
def test_evaluator_values_have_stable_reprs(module):
    import importlib
    import inspect
    mod = importlib.import_module(module)
    for name, cls in inspect.getmembers(mod, inspect.isclass):
        if cls.__module__ != module or issubclass(cls, BaseException):
            continue
        if getattr(cls, "__repr__") is object.__repr__ and name not in {
                "Evaluator", "Scope", "FileScope", "ModuleSummary"}:
            pytest.fail(f"{module}.{name} has no stable repr (it would show an address)")
