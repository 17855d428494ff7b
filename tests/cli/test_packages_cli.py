"""``guixml packages`` and ``guixml stats`` on the fixture channel."""

from __future__ import annotations

import json
from pathlib import Path

from guixml.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


def test_packages_jsonl_schema(capsys):
    # demo/broken.scm does not parse: the list is printed, but incomplete (exit 2).
    assert main(["packages", str(FIXTURE), "--format", "jsonl", "--no-cache", "-j", "1"]) == 2
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
    assert "1 file(s) could not be read" in err


def test_packages_of_an_empty_tree_or_a_file_that_does_not_parse_exit_2(capsys, tmp_path):
    assert main(["packages", str(tmp_path), "--no-cache"]) == 2
    assert capsys.readouterr().err.strip() == f"guixml: no package found under {tmp_path}"
    bad = tmp_path / "bad.scm"
    bad.write_text("(define-module (bad))\n(define x (\n")
    assert main(["packages", str(bad), "--no-cache"]) == 2
    assert "bad.scm:2:" in capsys.readouterr().err
    assert main(["show", "x", str(tmp_path), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "no package named 'x'" in err and "could not be read, first: bad.scm:2:" in err


def test_modules_that_define_no_package_are_read_quietly(capsys, tmp_path):
    (tmp_path / "svc.scm").write_text(
        "(define-module (svc) #:use-module (gnu services))\n"
        "(define-public my-service-type (service-type (name 'x)))\n")
    (tmp_path / "pkg.scm").write_text(
        "(define-module (pkg) #:use-module (guix packages))\n"
        "(define-public p (package (name \"p\") (version \"1\")))\n"
        "(define-public q (frobnicate 1))\n")
    assert main(["packages", str(tmp_path), "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert "(pkg)\tp\tp@1" in out
    assert "pkg.scm:3:" in err and "svc.scm" not in err


def test_stats(capsys):
    assert main(["stats", str(FIXTURE), "--no-cache", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "packages found: 24" in out
    assert "name and version resolved to strings: 23/24" in out
    assert "unresolved constructs by kind:" in out


def test_missing_path_is_an_error(capsys, tmp_path):
    assert main(["packages", str(tmp_path / "nope"), "--no-cache"]) == 2
    assert "no such file" in capsys.readouterr().err
