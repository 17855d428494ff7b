"""`guixml audit --format spdx`: SPDX 3.0.1 JSON-LD with the AI profile,
validated against the published SPDX 3.0.1 JSON schema."""

from _report_sample import sample_report
from _schemas import errors

from guixml.report.spdx import CONTEXT, document


def test_valid_against_published_schema():
    # Every package (all_packages): a superset of the default document.  One
    # validation only: the SPDX 3 schema is slow to check (seconds).
    assert errors("spdx", document(sample_report(), True)) == []


def test_schema_catches_a_broken_document():
    doc = document(sample_report())
    package = next(e for e in doc["@graph"] if e["type"] == "ai_AIPackage")
    small = {"@context": doc["@context"], "@graph": [doc["@graph"][0], package]}
    assert errors("spdx", small) == []
    small["@graph"][1] = {**package, "software_primaryPurpose": "weights"}
    assert errors("spdx", small)


def by_type(doc, kind):
    return [e for e in doc["@graph"] if e["type"] == kind]


def test_ai_profile():
    doc = document(sample_report())
    assert doc["@context"] == CONTEXT
    ai = {e["name"]: e for e in by_type(doc, "ai_AIPackage")}
    assert ai["chess-net-42"]["software_primaryPurpose"] == "model"
    assert "training software: available" in ai["chess-net-42"]["ai_informationAboutTraining"]
    assert "nn-big" in ai  # the engine's inline weights input
    assert ai["nn-big"]["software_downloadLocation"] == "https://example.org/nn-big.nnue"
    assert "weights in the source of backgammon-ai" in ai
    relations = {(r["relationshipType"], r["from"].rsplit("/", 1)[-1])
                 for r in by_type(doc, "Relationship")}
    assert ("dependsOn", "%28example%20packages%20chess%29%20tinyfish") in relations
    assert any(kind == "contains" for kind, _ in relations)
    assert any(kind == "hasDeclaredLicense" for kind, _ in relations)


def test_dataset_only_where_known():
    doc = document(sample_report())
    datasets = by_type(doc, "dataset_DatasetPackage")
    assert [d["software_downloadLocation"] for d in datasets] == ["https://example.org/games"]
    assert datasets[0]["dataset_datasetAvailability"] == "directDownload"
    trained = [r for r in by_type(doc, "Relationship") if r["relationshipType"] == "trainedOn"]
    assert trained and trained[0]["to"] == [datasets[0]["spdxId"]]


def test_reproducible_with_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = document(sample_report())
    assert first["@graph"][0]["created"] == "1970-01-01T00:00:00Z"
    assert document(sample_report()) == first
