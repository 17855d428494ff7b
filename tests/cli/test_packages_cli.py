"""``guixml packages`` and ``guixml stats`` on the fixture channel."""

from __future__ import annotations

import json
from pathlib import Path

from guixml.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


def test_packages_jsonl_schema(capsys):
    assert main(["packages", str(FIXTURE), "--format", "jsonl", "--no-cache", "-j", "1"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    by_var = {r["variable"]: r for r in rows}
    required = {"module", "file", "variable", "name", "version", "location", "source",
                "inputs", "native_inputs", "propagated_inputs", "license", "properties"}
    assert all(required <= set(r) for r in rows)
    labelled = by_var["labelled"]
    assert labelled["module"] == "(demo hard)" and labelled["file"] == "demo/hard.scm"
    assert [i["label"] for i in labelled["inputs"]] == ["foo", "tool-bin", "weights"]
    assert labelled["inputs"][2]["origin"]["uris"] == ["https://example.org/nets/net-42.bin"]
    assert by_var["tool"]["license"][0] == {"written": "license:expat", "name": "expat"}
    assert "demo/broken.scm:" in err


def test_stats(capsys):
    assert main(["stats", str(FIXTURE), "--no-cache", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "packages found: 24" in out
    assert "name and version resolved to strings: 23/24" in out
    assert "unresolved constructs by kind:" in out


def test_missing_path_is_an_error(capsys, tmp_path):
    assert main(["packages", str(tmp_path / "nope"), "--no-cache"]) == 2
    assert "no such file" in capsys.readouterr().err
