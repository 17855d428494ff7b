"""What an audit concludes, as immutable values shared by the classifier,
the annotator and every report format.
"""

from __future__ import annotations

from attrs import field, frozen

from guixml.scheme.datum import Location
from guixml.evaluate.model import Package

__all__ = ["Evidence", "InputVerdict", "NearMiss", "PackageAudit", "Problem", "AuditResult",
           "SourceRecord", "ROLES", "CLASSES"]

#: The ``ml-weights`` roles, plus ``none`` for packages that involve no weights.
ROLES = ("model", "separate", "tangled", "external", "none")

#: The class of one input.
CLASSES = ("code", "weights", "training-software")


@frozen
class Evidence:
    """One reason behind a conclusion: which rule, what it matched, where.

    ``rule`` is the id of a rule of ``guixml/data/rules.toml`` (or a user's);
    ``field`` is the package field the match was found in (``source``,
    ``synopsis``, ``inputs``…); ``matched`` is the text or URL that matched.
    """

    rule: str
    field: str
    matched: str
    note: str = ""
    location: Location | None = field(default=None, eq=False)


@frozen
class InputVerdict:
    """The class of one input (or of the package's own source)."""

    field: str
    kind: str
    ref: str | None
    label: str | None
    cls: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()


@frozen
class NearMiss:
    """A conclusion some evidence pointed to that did not hold: its combined
    score stayed below the threshold, or a veto removed it.  Kept so that a
    reviewer sees what almost decided (``guixml show``)."""

    conclusion: str  # model | separate | tangled | external | training
    score: float
    threshold: float
    evidence: tuple[Evidence, ...] = ()
    vetoed_by: Evidence | None = None


@frozen
class SourceRecord:
    """One origin of a package whose source was sought (``--store``, ``--sources``,
    ``--fetch``): where it was found (``how``: ``store``, ``sources``, ``fetch``,
    ``name``; ``None`` when not found), whether its hash was verified, and what
    inspecting it found (:class:`guixml.classify.content.ContentFinding` values,
    paths relative to the source's top directory)."""

    origin: str
    input: str | None
    how: str | None = None
    path: str | None = None
    verified: bool = False
    hash: str | None = None
    recursive: bool = False
    findings: tuple = ()
    warnings: tuple[str, ...] = ()


@frozen
class PackageAudit:
    """Everything the classifier concludes about one package."""

    package: Package
    weights: str = "none"
    training_software: bool = False
    weight_inputs: tuple[str, ...] = ()
    weights_license: str | None = None  # SPDX expression
    weights_license_fsf_libre: bool | None = None
    weights_license_osi_approved: bool | None = None
    confidence: float = 1.0
    inputs: tuple[InputVerdict, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    from_properties: bool = False  # an existing annotation decided the role
    #: Conclusions with evidence that did not hold (weak or vetoed): for review only,
    #: no report format carries them.
    near_misses: tuple[NearMiss, ...] = field(default=(), eq=False)
    #: The origins sought in the sources (``--store``/``--sources``/``--fetch``);
    #: ``inspected`` is None when no source was sought, else whether one was read.
    sources: tuple[SourceRecord, ...] = ()
    inspected: bool | None = None


@frozen
class Problem:
    """A module or form guixml could not read or evaluate; the rest goes on."""

    message: str
    location: Location | None = None
    kind: str = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@frozen
class AuditResult:
    packages: tuple[PackageAudit, ...] = ()
    problems: tuple[Problem, ...] = ()
