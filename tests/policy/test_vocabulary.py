"""The ML annotation vocabulary: the table, validation, facts and their alists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guixml.scheme.datum import DottedList, List, sym
from guixml.policy.vocabulary import (
    PROBLEM_CODES,
    MLFacts,
    alist_from_facts,
    entries,
    facts_from_alist,
    properties_problems,
    vocabulary,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "annotations.md"
CHANNEL = Path(__file__).resolve().parents[2] / "channel" / "guixml" / "ml.scm"


def pair(key, value):
    return DottedList([sym(key)], value)


def codes(alist):
    return [(p.code, p.key) for p in properties_problems(alist)]


def test_the_issue_keys_and_values() -> None:
    vocab = vocabulary()
    assert list(vocab) == [
        "ml-weights", "ml-weight-inputs", "ml-weights-license", "ml-training-software",
        "ml-training-software-package", "ml-training-software-url", "ml-training-data",
        "ml-training-data-url", "ml-reproducibility", "ml-provenance",
    ]
    assert vocab["ml-weights"].values == ("model", "separate", "tangled", "external")
    assert vocab["ml-training-data"].values == (
        "free", "public", "obtainable", "unshareable", "unavailable", "unknown")
    assert vocab["ml-reproducibility"].values == ("rebuilt", "feasible", "infeasible", "unknown")


def test_docs_and_guile_name_every_key_value_and_problem() -> None:
    docs = DOCS.read_text()
    guile = CHANNEL.read_text()
    for spec in vocabulary().values():
        assert f"`{spec.name}`" in docs
        assert f"({spec.name} {spec.type}" in guile
        for value in spec.values:
            assert f"`{value}`" in docs
            assert re.search(rf"[ (]{re.escape(value)}[ )]", guile), value
    for code in PROBLEM_CODES:
        assert f"`{code}`" in docs and f"'{code}" in guile


def test_valid_annotation_from_guixml_data() -> None:
    alist = List([
        pair("ml-weights", sym("separate")),
        List([sym("ml-weight-inputs"), "neural-network-big", "neural-network-small"]),
        pair("ml-weights-license", False),
        pair("upstream-name", "Stockfish"),
    ])
    assert properties_problems(alist) == []
    facts = facts_from_alist(alist)
    assert facts.weights == "separate"
    assert facts.weight_inputs == ("neural-network-big", "neural-network-small")
    assert facts.weights_license is None
    assert facts.training_data == "unknown"


def test_quoted_field_and_dict_input() -> None:
    quoted = List([sym("quote"), List([pair("ml-weights", sym("model"))])])
    assert facts_from_alist(quoted).weights == "model"
    assert facts_from_alist({"ml-weights": sym("tangled")}).weights == "tangled"


@pytest.mark.parametrize(
    "alist, expected",
    [
        ([pair("ml-weights", "model")], [("wrong-type", "ml-weights")]),
        ([pair("ml-weights", sym("bundled"))], [("unknown-value", "ml-weights")]),
        ([pair("ml-weights", sym("model")), pair("ml-wieghts", 1)], [("unknown-key", "ml-wieghts")]),
        ([pair("ml-weights", sym("separate"))], [("missing-weight-inputs", "ml-weight-inputs")]),
        ([pair("ml-weights", sym("separate")), List([sym("ml-weight-inputs")])],
         [("missing-weight-inputs", "ml-weight-inputs")]),
        ([pair("ml-weights", sym("model")), List([sym("ml-weight-inputs"), "x"])],
         [("weight-inputs-not-separate", "ml-weight-inputs")]),
        ([pair("ml-training-data", sym("free"))], [("facts-without-ml-weights", "ml-weights")]),
        ([pair("ml-weights", sym("model")), pair("ml-weights-license", "MIT OR")],
         [("bad-license-expression", "ml-weights-license")]),
        ([pair("ml-weights", sym("model")), pair("ml-weights", sym("model"))],
         [("duplicate-key", "ml-weights")]),
        ([pair("ml-weights", sym("model")), sym("oops")], [("malformed-entry", None)]),
    ],
)
def test_problems(alist, expected) -> None:
    assert codes(List(alist)) == expected


def test_improper_alist_tail_is_malformed() -> None:
    alist = DottedList([pair("ml-weights", sym("model"))], sym("tail"))
    assert codes(alist) == [("malformed-entry", None)]
    assert len(entries(alist)) == 2


def test_first_occurrence_wins_even_when_ill_typed() -> None:
    alist = List([pair("ml-weights", sym("model")), pair("ml-training-data", "free"),
                  pair("ml-training-data", sym("free"))])
    assert facts_from_alist(alist).training_data == "unknown"


_facts = st.builds(
    MLFacts,
    weights=st.sampled_from(["model", "tangled", "external"]),
    weights_license=st.sampled_from([None, "MIT", "CC-BY-NC-4.0 OR Apache-2.0"]),
    training_software=st.sampled_from(vocabulary()["ml-training-software"].values),
    training_software_url=st.one_of(st.none(), st.just("https://example.org/train")),
    training_data=st.sampled_from(vocabulary()["ml-training-data"].values),
    reproducibility=st.sampled_from(vocabulary()["ml-reproducibility"].values),
    provenance=st.one_of(st.none(), st.sampled_from(vocabulary()["ml-provenance"].values)),
)


@given(_facts)
def test_facts_round_trip_through_alists(facts: MLFacts) -> None:
    alist = alist_from_facts(facts)
    assert properties_problems(alist) == []
    assert facts_from_alist(alist) == facts
