"""A channel with hostile definitions added (tools/hostile_tree.py, small):
the audit completes, reports each hostile definition at its location, and
gives the other packages the very same entries (issue #15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import hostile_tree

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


def test_hostile_definitions_are_reported_and_the_rest_is_unchanged(tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURE, plain)
    hostile = tmp_path / "hostile"
    shutil.copytree(FIXTURE, hostile)
    (hostile / "gnu" / "packages").mkdir(parents=True)
    modules, expected, fine = hostile_tree.hostile_modules(scale=0.15)
    hostile_tree.write_modules(hostile, modules)
    original, _ = hostile_tree.audit(plain)
    with_hostile, _ = hostile_tree.audit(hostile)
    assert len(expected) > 20
    assert hostile_tree.compare(original, with_hostile, expected, fine) == []
