"""Policy verdicts on pre-trained weights, computed from a package's ML facts.

One function per policy; docs/annotations.md maps each policy to its rules and
reason codes, and the Guile module ``(guixml ml)`` implements the same
functions (the conformance vectors check they agree).  Verdicts are computed,
never stored in a package.

Policy ids (stable, used by the CLI and by ``guix ml-audit --policy=``):

- ``guix-2023``: the 2023 guix-devel thread (licence is the criterion).
- ``debian``: Debian's ML policy (Free model / ToxicCandy / Non-free).
- ``osaid``: OSI Open Source AI Definition 1.0.
- ``gcd-008``: Guix consensus-document draft 008, "Standing up for human crafting".
"""

from __future__ import annotations

from typing import Any, Callable, Literal

import attrs

from guixml.policy import license_freedom as spdx
from guixml.classify.results import PackageAudit
from guixml.policy.vocabulary import MLFacts, facts_from_alist, properties_problems

__all__ = [
    "Verdict",
    "POLICIES",
    "verdict",
    "verdicts",
    "facts_from_audit",
    "guix_2023",
    "debian",
    "osaid",
    "gcd_008",
]

VerdictWord = Literal["accept", "reject", "review"]


@attrs.frozen
class Verdict:
    """What POLICY says of a package: accept, reject or review, and why.

    ``classification`` is the policy's own class when it has one (Debian's
    ``free``/``toxic-candy``/``non-free``/``unknown``/``none``), else the verdict.
    ``reasons`` are reason codes (see docs/annotations.md).
    """

    policy: str
    verdict: VerdictWord
    reasons: tuple[str, ...]
    classification: str

    def __str__(self) -> str:
        return f"{self.policy}: {self.verdict} ({', '.join(self.reasons)})"


def _combine(*words: VerdictWord) -> VerdictWord:
    if "reject" in words:
        return "reject"
    return "review" if "review" in words else "accept"


def _without_weights(policy: str, facts: MLFacts, classification: str | None = None) -> Verdict | None:
    """The verdict for packages that ship no weights, or None when they do."""
    if facts.weights is None:
        return Verdict(policy, "accept", ("no-weights",), classification or "accept")
    if facts.weights == "external":
        return Verdict(policy, "accept", ("weights-not-shipped",), classification or "accept")
    return None


def _licence(facts: MLFacts, regime: spdx.Regime) -> tuple[VerdictWord, str]:
    judgement = spdx.judge(facts.weights_license, regime)
    return {
        "free": ("accept", "weights-license-free"),
        "non-free": ("reject", "weights-license-non-free"),
        "unknown": ("review", "weights-license-unknown"),
    }[judgement]


_SOFTWARE_PRESENT = ("packaged", "available")
_SOFTWARE_MISSING = ("partial", "unavailable")


def guix_2023(facts: MLFacts) -> Verdict:
    """The 2023 guix-devel thread: weights are judged on their licence (FSDG) only.

    Training software and recomputability were recommendations: reported as
    reasons, they never change the verdict.
    """
    done = _without_weights("guix-2023", facts)
    if done:
        return done
    word, reason = _licence(facts, "fsdg")
    reasons = [reason]
    if facts.training_software in _SOFTWARE_MISSING:
        reasons.append("training-software-missing")
    elif facts.training_software == "unknown":
        reasons.append("training-software-unknown")
    if facts.reproducibility == "infeasible":
        reasons.append("not-recomputable")
    elif facts.reproducibility == "unknown":
        reasons.append("reproducibility-unknown")
    return Verdict("guix-2023", word, tuple(reasons), word)


def debian(facts: MLFacts) -> Verdict:
    """Debian's ML policy: Free model, ToxicCandy or Non-free (mapped to a verdict)."""
    done = _without_weights("debian", facts, "none")
    if done:
        return done
    licence = spdx.judge(facts.weights_license, "dfsg")
    reasons = [f"weights-license-{licence}"]
    if facts.training_data == "free":
        data = "ok"
        reasons.append("training-data-free")
    elif facts.training_data == "unknown":
        data = "unknown"
        reasons.append("training-data-unknown")
    else:
        data = "missing"
        reasons.append("training-data-not-free")
    if facts.training_software in _SOFTWARE_PRESENT:
        software = "ok"
        reasons.append("training-software-present")
    elif facts.training_software == "unknown":
        software = "unknown"
        reasons.append("training-software-unknown")
    else:
        software = "missing"
        reasons.append("training-software-missing")

    if licence == "non-free":
        classification, word = "non-free", "reject"
    elif licence == "unknown":
        classification, word = "unknown", "review"
    elif "missing" in (data, software):
        classification, word = "toxic-candy", "reject"
    elif "unknown" in (data, software):
        classification, word = "unknown", "review"
    else:
        classification, word = "free", "accept"
    return Verdict("debian", word, tuple(reasons), classification)


def osaid(facts: MLFacts) -> Verdict:
    """OSI's Open Source AI Definition 1.0: parameters, code and data information."""
    done = _without_weights("osaid", facts)
    if done:
        return done
    licence_word, licence_reason = _licence(facts, "osi")
    if facts.training_software in _SOFTWARE_PRESENT:
        code_word, code_reason = "accept", "training-software-present"
    elif facts.training_software == "unknown":
        code_word, code_reason = "review", "training-software-unknown"
    else:
        code_word, code_reason = "reject", "training-software-missing"
    if facts.training_data in ("free", "public", "obtainable", "unshareable"):
        data_word, data_reason = "accept", "training-data-described"
    elif facts.training_data == "unavailable":
        data_word, data_reason = "review", "training-data-unavailable"
    else:
        data_word, data_reason = "review", "training-data-unknown"
    word = _combine(licence_word, code_word, data_word)  # type: ignore[arg-type]
    return Verdict("osaid", word, (licence_reason, code_reason, data_reason), word)


_GCD_008_DATA: dict[str, tuple[VerdictWord, str]] = {
    "free": ("accept", "training-data-free"),
    "public": ("review", "training-data-not-free"),
    "obtainable": ("review", "training-data-restricted"),
    "unshareable": ("reject", "training-data-unavailable"),
    "unavailable": ("reject", "training-data-unavailable"),
    "unknown": ("review", "training-data-unknown"),
}

_GCD_008_RECOMPUTE: dict[str, tuple[VerdictWord, str]] = {
    "rebuilt": ("accept", "recomputable"),
    "feasible": ("accept", "recomputable"),
    "infeasible": ("reject", "not-recomputable"),
    "unknown": ("review", "reproducibility-unknown"),
}

_GCD_008_SOFTWARE: dict[str, tuple[VerdictWord, str]] = {
    "packaged": ("accept", "training-software-present"),
    "available": ("accept", "training-software-present"),
    "partial": ("review", "training-software-unknown"),
    "unavailable": ("reject", "training-software-missing"),
    "unknown": ("review", "training-software-unknown"),
}


def gcd_008(facts: MLFacts) -> Verdict:
    """GCD 008 draft: free licence, training data available, weights recomputable."""
    done = _without_weights("gcd-008", facts)
    if done:
        return done
    criteria = [
        _licence(facts, "fsdg"),
        _GCD_008_DATA[facts.training_data],
        _GCD_008_RECOMPUTE[facts.reproducibility],
        _GCD_008_SOFTWARE[facts.training_software],
    ]
    word = _combine(*(w for w, _ in criteria))
    return Verdict("gcd-008", word, tuple(r for _, r in criteria), word)


POLICIES: dict[str, Callable[[MLFacts], Verdict]] = {
    "guix-2023": guix_2023,
    "debian": debian,
    "osaid": osaid,
    "gcd-008": gcd_008,
}


def _facts(annotation: MLFacts | Any) -> tuple[MLFacts, bool]:
    """The facts of ANNOTATION and whether it is invalid (an alist with problems)."""
    if isinstance(annotation, MLFacts):
        return annotation, False
    return facts_from_alist(annotation), bool(properties_problems(annotation))


def _fail_closed(found: Verdict, invalid: bool) -> Verdict:
    """FOUND, or when the annotation has problems (an ill-typed value such as
    (ml-weights . "tangled"), an unknown key...) FOUND made 'review' at least,
    with the reason 'invalid-annotation': an annotation that cannot be read
    must not pass as one that says nothing.  As fail-closed in (guixml ml)."""
    if not invalid:
        return found
    return Verdict(found.policy, _combine(found.verdict, "review"),
                   (*found.reasons, "invalid-annotation"), found.classification)


def verdict(policy: str, annotation: MLFacts | Any) -> Verdict:
    """The verdict of POLICY (an id of POLICIES) on ANNOTATION (facts or a
    properties alist); an alist with problems gets 'review' at least."""
    try:
        judge = POLICIES[policy]
    except KeyError:
        raise ValueError(f"unknown policy {policy!r}; known: {', '.join(POLICIES)}") from None
    facts, invalid = _facts(annotation)
    return _fail_closed(judge(facts), invalid)


def verdicts(annotation: MLFacts | Any) -> dict[str, Verdict]:
    """Every policy's verdict on ANNOTATION, by policy id (an alist with
    problems gets 'review' at least from each)."""
    facts, invalid = _facts(annotation)
    return {name: _fail_closed(judge(facts), invalid) for name, judge in POLICIES.items()}


def facts_from_audit(audit: PackageAudit) -> MLFacts:
    """The ML facts of an audited package.

    The package's own annotation when it has an ``ml-weights`` property;
    otherwise what the classifier found (role, weight inputs, licence), every
    other fact ``unknown`` -- so the verdicts ask for review rather than guess.
    """
    properties = audit.package.properties or ()
    facts = facts_from_alist(properties)
    if facts.weights is not None:
        return facts
    if audit.weights == "none":
        return MLFacts()
    return MLFacts(
        weights=audit.weights,
        weight_inputs=tuple(audit.weight_inputs) if audit.weights == "separate" else (),
        weights_license=audit.weights_license,
    )
