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


def test_definitions_not_evaluated_are_listed(tmp_path):
    """A package that fails to evaluate is not silently missing: the document
    lists it under not_evaluated (schema 1.2), and the table says how many."""
    import json

    from guixml import api
    from guixml.report import json as json_report
    from guixml.report import table

    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "pkgs.scm").write_text("""\
(define-module (demo pkgs)
  #:use-module (guix packages)
  #:use-module (guix build-system gnu))

(define-public fine
  (package (name "fine") (version "1") (source #f) (build-system gnu-build-system)
    (synopsis "s") (description "d") (home-page "https://example.org") (license #f)))

(define-public broken
  (let loop ((n 0))
    (package (inherit fine) (name "broken"))))
""")
    report = api.audit_report([str(tmp_path)], cache=False)
    doc = json.loads(json_report.render(report))
    assert doc["schema_version"] == "1.2"
    assert doc["summary"]["packages"] == 1 and doc["summary"]["not_evaluated"] == 1
    (entry,) = doc["not_evaluated"]
    assert entry["variable"] == "broken"
    assert entry["location"] == {"file": "demo/pkgs.scm", "line": 9, "column": 0}
    assert entry["reason"].startswith("guixml cannot evaluate a named let yet")
    assert any("1 definition(s) not evaluated" in line for line in table.summary_lines(report))


def test_evidence_is_cut_between_tokens_and_shown_once():
    import re

    from guixml.classify.classifier import _snippet
    from guixml.classify.results import Evidence
    from guixml.report.base import grouped_evidence

    code = ('(snippet #~(begin (delete-file-recursively "models") '
            '(substitute* "x" (("a") ,(string-append "b" "c")))))')
    piece = _snippet(code, re.search("models", code))
    assert piece.startswith("\u2026") and piece.endswith("\u2026")
    inner = piece.strip("\u2026")
    assert inner in " ".join(code.split())
    # cut at a token's edge on both sides
    assert code[code.index(inner) - 1] in " ()\"'" and code[code.index(inner) + len(inner)] in " ()\"'"
    long = "word " * 200
    assert len(_snippet(long, re.compile("word").search(long, 500))) <= 160
    whole = "pre-trained models"
    assert _snippet(whole, re.search("trained", whole)) == whole
    same = [Evidence("text.a", "synopsis", "pre-trained models", "A"),
            Evidence("text.b", "synopsis", "pre-trained models", "B"),
            Evidence("text.c", "description", "other", "")]
    groups = grouped_evidence(same)
    assert [(g.rules, g.matched, g.notes) for g in groups] == [
        (("text.a", "text.b"), "pre-trained models", ("A", "B")), (("text.c",), "other", ())]
