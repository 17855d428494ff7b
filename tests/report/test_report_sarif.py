"""`guixml audit --format sarif`: SARIF 2.1.0, validated against the OASIS schema."""

import json

import pytest
from _report_sample import sample_report
from _schemas import errors

from guixml.report import render
from guixml.report.sarif import document


@pytest.mark.parametrize("all_packages", [False, True])
def test_valid_against_published_schema(all_packages):
    assert errors("sarif", document(sample_report(), all_packages)) == []


def test_schema_catches_a_broken_document():
    broken = document(sample_report())
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert errors("sarif", broken)


def test_results_on_the_definition_line():
    doc = json.loads(render(sample_report(), "sarif"))
    run = doc["runs"][0]
    results = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    assert set(results) == {"chess-net-42", "tinyfish", "backgammon-ai", "go-zero"}
    engine = results["tinyfish"]
    region = engine["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 30, "startColumn": 3}  # our column 2, 0-based
    assert engine["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "example/packages/chess.scm", "uriBaseId": "SRCROOT"}
    assert engine["level"] == "warning"  # guix-2023 says review
    assert results["chess-net-42"]["level"] == "note"
    assert engine["ruleId"] == "weights-url-extension"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert engine["ruleIndex"] == rule_ids.index("weights-url-extension")
    assert engine["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 40


def test_problems_are_notifications():
    doc = json.loads(render(sample_report(), "sarif"))
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "unbalanced parenthesis"
    assert notes[0]["locations"][0]["physicalLocation"]["region"]["startColumn"] == 5


def test_second_tree_gets_its_own_base():
    import attrs
    report = sample_report()
    moved = tuple(attrs.evolve(e, root="guix") if e.package.name == "tinyfish" else e
                  for e in report.packages)
    report = attrs.evolve(report, packages=moved, roots=("example", "guix"))
    run = document(report)["runs"][0]
    bases = {r["locations"][0]["logicalLocations"][0]["name"]:
             r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
             for r in run["results"]}
    assert bases["tinyfish"] == "ROOT1" and bases["chess-net-42"] == "SRCROOT"
    assert set(run["originalUriBaseIds"]) == {"SRCROOT", "ROOT1"}
    assert errors("sarif", document(report)) == []
