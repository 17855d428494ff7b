"""Conformance: the Guile module (guixml ml) agrees with the Python side.

The vectors in tests/vectors/ are generated from Python (python3 -m
tools/vectors.py); here Guile reads them and must find the same problems and the
same verdicts.  Hypothesis then generates further annotations, valid and not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _ml_oracle import REPO, run_oracle
import vectors
from guixml.scheme.datum import DottedList, List, sym
from guixml.policy.policies import verdicts
from guixml.policy.vocabulary import facts_from_alist, properties_problems, vocabulary

VECTOR_FILES = sorted((REPO / vectors.VECTOR_DIR).glob("*.scm"))


def python_result(alist):
    problems = [(p.code, p.key) for p in properties_problems(alist)]
    return problems, {
        name: (v.verdict, v.classification, v.reasons)
        for name, v in verdicts(alist).items()
    }


def test_checked_in_files_are_up_to_date() -> None:
    assert vectors.stale_files() == []


def test_vectors_cover_every_value_and_problem() -> None:
    valid = vectors.valid_annotations()
    for spec in vocabulary().values():
        for value in spec.values:
            field = spec.name.removeprefix("ml-").replace("-", "_")
            assert any(getattr(f, field) == value for _, f in valid), (spec.name, value)
    codes = {p.code for _, a in vectors.malformed_annotations() for p in properties_problems(a)}
    from guixml.policy.vocabulary import PROBLEM_CODES

    assert codes == set(PROBLEM_CODES)
    assert all(properties_problems(a) for _, a in vectors.malformed_annotations())


@pytest.mark.guile
def test_guile_agrees_on_every_vector() -> None:
    names = [p.name for p in VECTOR_FILES]
    results = run_oracle(p.read_text("utf-8") for p in VECTOR_FILES)
    expected = {}
    for name, facts in vectors.valid_annotations():
        from guixml.policy.vocabulary import alist_from_facts

        expected[f"valid-{name}.scm"] = python_result(alist_from_facts(facts))
    for name, alist in vectors.malformed_annotations():
        expected[f"malformed-{name}.scm"] = python_result(alist)
    assert set(names) == set(expected)
    for name, guile in zip(names, results):
        assert guile == expected[name], name
        if name.startswith("valid-"):
            assert guile[0] == [] and len(guile[1]) == 4, name
        else:
            assert guile[0], name


# --- generated annotations ---------------------------------------------------

_strings = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), max_size=12)
_licences = st.one_of(
    st.none(),
    st.sampled_from(vectors._LICENCES[:6] + ["MIT", "CC-BY-ND-4.0", "SSPL-1.0", "0BSD",
                                             "GPL-2.0+", "Unlicense", "CC0-1.0"]),
).flatmap(lambda first: st.builds(
    lambda op, second, paren: _combine(first, op, second, paren),
    st.sampled_from(["", " AND ", " OR ", " WITH ", " and ", " OR (", ")"]),
    st.sampled_from(["MIT", "CC-BY-NC-4.0", "LicenseRef-x", "Classpath-exception-2.0", ""]),
    st.booleans(),
))


def _combine(first, op, second, paren):
    if first is None:
        return False
    if op == "":
        return first
    text = f"{first}{op}{second}"
    return f"({text})" if paren else text


def _value_for(spec):
    good = {
        "symbol": st.sampled_from(spec.values).map(sym) if spec.values else st.nothing(),
        "string": _strings,
        "string-list": st.lists(_strings, max_size=3).map(List),
        "license": _licences,
    }[spec.type]
    bad = st.one_of(
        _strings, st.integers(-3, 3), st.booleans(),
        st.sampled_from(["open", "yes", "model", "MIT"]).map(sym),
        st.lists(st.sampled_from(["a", "b"]).map(sym), max_size=2).map(List),
    )
    return st.one_of(good, good, good, bad)


def _entry_for(name):
    spec = vocabulary()[name]

    def make(value):
        if isinstance(value, List):  # (key v ...) is the pair (key . (v ...))
            return List([sym(name), *value])
        return DottedList([sym(name)], value)

    return _value_for(spec).map(make)


_keys = list(vocabulary())
_other_entries = st.sampled_from([
    DottedList([sym("upstream-name")], "x"),
    DottedList([sym("ml-typo")], sym("model")),
    sym("stray"),
    DottedList(["string-key"], 1),
])


@st.composite
def annotations(draw):
    names = draw(st.lists(st.sampled_from(_keys), max_size=len(_keys)))
    if draw(st.integers(0, 3)):  # mostly annotated packages
        names = ["ml-weights", *names]
    entries = [draw(_entry_for(n)) for n in names]
    if draw(st.integers(0, 5)) == 0:
        entries.insert(draw(st.integers(0, len(entries))), draw(_other_entries))
    return List(entries)


@st.composite
def valid_annotations(draw):
    """Annotations with no problem, so that every policy gives a verdict."""
    from guixml.policy.vocabulary import MLFacts, alist_from_facts

    vocab = vocabulary()
    weights = draw(st.sampled_from([None, *vocab["ml-weights"].values]))
    facts = MLFacts(
        weights=weights,
        weight_inputs=tuple(draw(st.lists(_strings, min_size=1, max_size=2))) if weights == "separate" else (),
        weights_license=draw(_licences.filter(lambda v: v is False or _well_formed(v))) or None,
        training_software=draw(st.sampled_from(vocab["ml-training-software"].values)),
        training_data=draw(st.sampled_from(vocab["ml-training-data"].values)),
        reproducibility=draw(st.sampled_from(vocab["ml-reproducibility"].values)),
        provenance=draw(st.sampled_from([None, *vocab["ml-provenance"].values])),
    )
    return alist_from_facts(facts)


def _well_formed(text):
    from guixml.policy.license_freedom import is_well_formed

    return is_well_formed(text)


def _compare(batch):
    texts = [vectors.write(alist) for alist in batch]
    for alist, text, guile in zip(batch, texts, run_oracle(texts)):
        assert guile == python_result(alist), text


@pytest.mark.guile
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(annotations(), min_size=60, max_size=60))
def test_guile_agrees_on_generated_annotations(batch) -> None:
    _compare(batch)


@pytest.mark.guile
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(valid_annotations(), min_size=60, max_size=60))
def test_guile_agrees_on_generated_valid_annotations(batch) -> None:
    assert all(python_result(a)[0] == [] for a in batch)
    _compare(batch)


# --- what guixml emits ----------------------------------------------------------


@st.composite
def package_audits(draw):
    from guixml.evaluate.model import Package
    from guixml.classify.results import PackageAudit

    weights = draw(st.sampled_from(["none", "model", "separate", "tangled", "external"]))
    labels = st.text(st.sampled_from("abcdefghij-0123456789"), min_size=1, max_size=12)
    return PackageAudit(
        package=Package(module="(demo)", file="demo.scm", variable="demo", name="demo",
                        version="1"),
        weights=weights,
        # the classifier names at least one weight input for 'separate'
        weight_inputs=tuple(draw(st.lists(labels, min_size=1, max_size=3)))
        if weights == "separate" else (),
        weights_license=draw(st.sampled_from(
            [None, "Apache-2.0", "GPL-3.0-or-later", "CC-BY-NC-4.0 OR MIT",
             "LicenseRef-guix-non-copyleft", "Apache-2.0 WITH LLVM-exception"])),
    )


@pytest.mark.guile
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(package_audits(), min_size=40, max_size=40))
def test_emitted_annotations_are_valid_on_both_sides(audits) -> None:
    from guixml.annotate.emit import suggested_entries

    batch = [List(entry.datum for entry in suggested_entries(audit)) for audit in audits]
    for alist in batch:
        assert properties_problems(alist) == [], vectors.write(alist)
    _compare(batch)
