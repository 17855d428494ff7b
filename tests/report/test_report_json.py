"""The JSON document of `guixml audit --format json` (docs/audit-json.md)."""

import json

from _report_sample import sample_report

from guixml.report import render
from guixml.report.json import SCHEMA_VERSION

PACKAGE_KEYS = {"module", "file", "variable", "name", "version", "location", "weights",
                "training_software", "weight_inputs", "weights_license",
                "weights_license_fsf_libre", "weights_license_osi_approved", "confidence",
                "from_properties", "ignored", "inputs", "evidence", "annotation", "verdicts"}


def document():
    return json.loads(render(sample_report(), "json"))


def test_top_level():
    doc = document()
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["tool"]["name"] == "guixml"
    assert doc["policy"] == "guix-2023"
    assert doc["summary"]["roles"] == {"model": 1, "separate": 1, "tangled": 1,
                                       "external": 1, "none": 2}
    assert doc["summary"]["training_software"] == 2
    assert doc["problems"] == [{"kind": "error", "message": "unbalanced parenthesis",
                                "location": {"file": "example/packages/broken.scm",
                                             "line": 3, "column": 4}}]


def test_every_package_listed_with_the_interface_fields():
    doc = document()
    assert len(doc["packages"]) == 6  # all packages, not only those with weights
    for package in doc["packages"]:
        assert set(package) == PACKAGE_KEYS


def test_package_content():
    doc = document()
    engine = next(p for p in doc["packages"] if p["name"] == "tinyfish")
    assert engine["module"] == "(example packages chess)"
    assert engine["file"] == "example/packages/chess.scm"
    assert engine["location"] == {"file": "example/packages/chess.scm", "line": 30, "column": 2}
    assert engine["weights"] == "separate"
    assert engine["weight_inputs"] == ["nn-big"]
    net = engine["inputs"][0]
    assert net == {"ref": None, "label": "nn-big", "field": "inputs", "kind": "origin",
                   "class": "weights", "confidence": 0.9, "evidence": [{
                       "rule": "weights-url-extension", "field": "inputs",
                       "matched": "nn-big.nnue", "note": "",
                       "location": {"file": "example/packages/chess.scm", "line": 40,
                                    "column": 8}}]}
    assert engine["annotation"]["properties"] == [
        ["ml-weights", "separate"], ["ml-weight-inputs", ["nn-big"]],
        ["ml-weights-license", False]]
    assert engine["verdicts"]["guix-2023"] == {"verdict": "review",
                                               "reasons": ["weights-license-unknown"]}


def test_package_without_weights_has_empty_annotation():
    doc = document()
    font = next(p for p in doc["packages"] if p["name"] == "font-heavy")
    assert font["weights"] == "none"
    assert font["annotation"] == {"properties": [], "text": ""}


def test_each_line_is_the_package_object_encoded():
    # render() puts each package's line together from pieces encoded once;
    # it must be the very text the whole object encodes to.
    from guixml.report.json import _PackageLines, package_json
    report = sample_report()
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    line = _PackageLines(report.roots, encode)
    for entry in report.packages + report.packages:  # the second time from the memo
        assert line(entry) == encode(package_json(entry, report.roots))
