"""`guixml audit --format cyclonedx`: CycloneDX 1.7, validated against the
published bom-1.7 schema (with its SPDX, JSF and cryptography sub-schemas)."""

import pytest
from _report_sample import sample_report
from _schemas import errors

from guixml.report.cyclonedx import document


@pytest.mark.parametrize("all_packages", [False, True])
def test_valid_against_published_schema(all_packages):
    assert errors("cyclonedx", document(sample_report(), all_packages)) == []


def test_schema_catches_a_broken_document():
    broken = document(sample_report())
    broken["components"][0]["type"] = "neural-net"
    assert errors("cyclonedx", broken)


def test_models_and_model_cards():
    doc = document(sample_report())
    assert doc["specVersion"] == "1.7"
    models = {c["name"]: c for c in doc["components"] if c["type"] == "machine-learning-model"}
    net = models["chess-net-42"]
    assert net["licenses"] == [{"expression": "GPL-3.0-or-later"}]
    card = net["modelCard"]
    assert card["modelParameters"]["datasets"][0]["contents"]["url"] == "https://example.org/games"
    assert {"name": "guixml:ml-training-software", "value": "available"} in card["properties"]
    assert "nn-big" in models  # inline weights input of the engine
    engine = next(c for c in doc["components"] if c["name"] == "tinyfish")
    assert engine["type"] == "application"
    deps = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    assert deps[engine["bom-ref"]] == [models["nn-big"]["bom-ref"]]
    tangled = next(c for c in doc["components"] if c["name"] == "backgammon-ai")
    assert tangled["components"][0]["type"] == "machine-learning-model"
