"""Acceptance: Guix's own (guix packages) and guixml agree on annotated files.

With GUIX_SOURCE set, the package modules of tests/fixtures/splice (the
splice idiom ``((key . val) ,@(package-properties parent))``, inherited
annotations, invalid ones) are loaded by Guile with Guix's modules
(tests/guile/guix-properties.scm); each package's ``package-properties`` is
evaluated by Guix and judged by the channel's ``(guixml ml)``: problems and
every policy's verdict.  guixml reads the same files statically and its
Python side judges the alist it evaluated.  They must be equal for every
package -- as written, after ``guixml annotate --write`` and after a second
run.  One semantics for the evaluated alist: what Guix's ``assq-ref`` sees
(first occurrence wins), a key given twice being a problem on both sides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sexpdata

from _ml_oracle import CHANNEL, REPO, guile_env, guile_or_skip
from test_guix_channel import CONFIG_MODULE, guile_version, guix_source

from guixml.api import load_channel
from guixml.policy.policies import verdicts
from guixml.policy.vocabulary import properties_problems

SCRIPT = REPO / "tests" / "guile" / "guix-properties.scm"
FIXTURE = REPO / "tests" / "fixtures" / "splice"
MODULES = ["(acceptance ml-splice)", "(acceptance ml-fold)"]

Row = tuple[str, str, tuple[tuple[str, str], ...], tuple[tuple[str, str, str, tuple[str, ...]], ...]]


def guile_rows(tree: Path, config: Path, source: Path) -> dict[str, Row]:
    """What Guix and (guixml ml) say of each package of TREE, by variable."""
    guile = guile_or_skip()
    env = guile_env()
    if guile_version(guile) < (3, 0, 9):
        env["GUIXML_SPAWN_SHIM"] = "1"
    completed = subprocess.run(
        [guile, "--no-auto-compile", "-L", str(config), "-L", str(source),
         "-L", str(CHANNEL), "-L", str(tree), str(SCRIPT), *MODULES],
        capture_output=True, text=True, env=env, timeout=600,
    )
    if completed.returncode != 0 and "no code for module" in completed.stderr:
        pytest.skip(f"Guix's modules do not load here: {completed.stderr.strip()[-300:]}")
    assert completed.returncode == 0, completed.stderr
    rows = {}
    for line in completed.stdout.splitlines():
        datum = sexpdata.loads(line)
        _, variable, name, version, problems, found = datum
        rows[str(variable)] = (
            name, version,
            tuple((str(code), str(key)) for code, key in problems[1:]),
            tuple((str(p), str(v), str(c), tuple(str(r) for r in reasons))
                  for p, v, c, reasons in found[1:]),
        )
    return rows


def python_rows(tree: Path) -> dict[str, Row]:
    """What guixml's evaluator and the Python policies say of each package of TREE."""
    rows = {}
    for package in load_channel([str(tree)], cache=False).packages():
        alist = package.properties or ()
        rows[package.variable] = (
            package.name, package.version,
            tuple((p.code, p.key or "none") for p in properties_problems(alist)),
            tuple((name, v.verdict, v.classification, v.reasons)
                  for name, v in verdicts(alist).items()),
        )
    return rows


def annotate(tree: Path, cache: Path) -> None:
    env = dict(os.environ, GUIXML_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    completed = subprocess.run(
        [sys.executable, "-m", "guixml", "annotate", "--write", str(tree)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.guile
@pytest.mark.realtree
def test_guix_and_guixml_agree_on_annotated_files(tmp_path: Path) -> None:
    source = guix_source()
    config = tmp_path / "config"
    (config / "guix").mkdir(parents=True)
    (config / "guix" / "config.scm").write_text(CONFIG_MODULE)
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE, tree)
    stages = []
    for stage in ("as written", "annotated", "annotated twice"):
        if stage != "as written":
            annotate(tree, tmp_path / "cache")
        guile, python = guile_rows(tree, config, source), python_rows(tree)
        assert set(guile) == set(python), stage
        for variable in sorted(guile):
            assert python[variable] == guile[variable], (stage, variable)
        stages.append(guile)
    first = stages[0]
    # The fixture covers what it says it covers.
    assert ("duplicate-key", "ml-weights") in first["acc-splice-over-model"][2]
    assert first["acc-splice-clean"][2] == ()
    assert all(v[1] == "review" and v[3][-1] == "invalid-annotation"
               for v in first["acc-invalid"][3])
    assert first["acc-invalid-spliced"][2] == first["acc-invalid"][2]
    # (fold alist-delete (package-properties parent) '(ml-...)) overrides
    assert first["acc-fold-override"][2] == ()
    assert first["acc-fold-override"][3][0][3] == ("weights-not-shipped",)
    # annotate drops the parent's keys from the splice so: no duplicate left
    assert ("duplicate-key", "ml-weights") in first["acc-fold-variant"][2]
    assert stages[1]["acc-fold-variant"][2] == ()
    # annotate changed something, and a second run nothing.
    assert stages[1] != stages[0] and stages[2] == stages[1]
