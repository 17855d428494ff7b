"""The suggested ``properties`` entries of an audited package, as Guix text.

:func:`suggested_entries` turns a :class:`~guixml.classify.results.PackageAudit` into
the vocabulary's entries (docs/annotations.md), and :func:`properties_field`
lays them out as one package field the way ``guix style`` would: on one line
when it fits in 78 columns, else one entry a line aligned under the first
entry, else (when even that overflows) the quoted list on its own line::

    (properties '((ml-weights . model)
                  (ml-weights-license . "Apache-2.0")
                  ;; guixml could not establish these; please review.
                  (ml-training-software . unknown)
                  (ml-training-data . unknown)
                  (ml-reproducibility . unknown)))

Every datum is written by the Guile-faithful writer (``guixml.scheme.writer.write``),
so Guile reads back exactly the value meant.  Only what was established is
written as a fact; a fact of weights the package ships that guixml cannot
establish is written :data:`UNKNOWN` — the one spelling of "not established"
of the vocabulary, the licence included — never guessed, and flagged for the
reviewer by the comment line :data:`REVIEW_COMMENT` placed before the
unknown entries, which come after the known ones.  An ``external`` package
ships no weights: it gets its role and, as a comment, the evidence it was
found by (:func:`evidence_note`), nothing about weights it does not have.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from guixml.scheme.datum import DottedList, List, Symbol, sym
from guixml.classify import PackageAudit, SpdxAnd, SpdxSyntaxError, parse_spdx
from guixml.scheme.writer import write

__all__ = ["PropertyEntry", "REVIEW_COMMENT", "WIDTH", "suggested_entries",
           "entry_text", "properties_field", "alist_lines", "UNKNOWN",
           "established_license", "evidence_note"]

#: The width ``guix style`` fills to (its ``max-width``).
WIDTH = 78

#: The comment line that flags the entries after it for a reviewer.
REVIEW_COMMENT = ";; guixml could not establish these; please review."

UNKNOWN = sym("unknown")


@frozen
class PropertyEntry:
    """One entry of a ``properties`` alist: KEY and its VALUE.

    A list-valued entry (``ml-weight-inputs``) has a tuple VALUE and is written
    ``(key "a" "b")``; every other entry is the pair ``(key . value)``.
    ``known`` is false for a fact guixml could not establish.
    """

    key: str
    value: Any
    known: bool = True

    @property
    def datum(self) -> Any:
        if isinstance(self.value, tuple):
            return List([sym(self.key), *self.value])
        return DottedList([sym(self.key)], self.value)

    @property
    def text(self) -> str:
        return entry_text(self)


def entry_text(entry: PropertyEntry) -> str:
    """The entry as Guile's ``write`` would print it."""
    return write(entry.datum)


def established_license(audit: PackageAudit) -> str | None:
    """AUDIT's weights licence when it is the weights' own, else None.

    The weights' own licence is the weight inputs' (``separate``), an
    upstream fact's or an inline origin's ``weights_license``, or the
    package's licence when that names a single licence (it then covers all
    the package ships).  A package whose ``license`` field lists several
    licences (code, fonts, music…) does not say which of them the weights
    are under: their combination is not offered as the weights' licence.
    """
    licence = audit.weights_license
    if not licence or audit.weights == "separate":
        return licence or None
    written = {ref.name or ref.written for ref in audit.package.licenses}
    if len(written) <= 1:
        return licence
    try:
        tree = parse_spdx(licence)
    except SpdxSyntaxError:
        return None
    # A conjunction beside a list of licences is (or may be) the package's
    # whole list; a single licence there came from a fact about the weights.
    return None if isinstance(tree, SpdxAnd) else licence


def evidence_note(audit: PackageAudit) -> str:
    """The comment that says which evidence made AUDIT's role (``""`` when none):
    a pointer for the reviewer, whom ``guixml show`` then tells the whole."""
    for evidence in audit.evidence:
        if evidence.rule:
            return f";; guixml: ml-weights by rule {evidence.rule} ({evidence.field})"
    return ""


def suggested_entries(audit: PackageAudit) -> tuple[PropertyEntry, ...]:
    """The ``properties`` entries guixml suggests for AUDIT's package.

    Empty when the package involves no weights; the role alone for an
    ``external`` package, which ships none.  Known entries come first, in
    the vocabulary's order, then the unknown ones (for the review comment).
    """
    if audit.weights == "none":
        return ()
    entries = [PropertyEntry("ml-weights", sym(audit.weights))]
    if audit.weights == "external":
        return tuple(entries)
    if audit.weights == "separate" and audit.weight_inputs:
        entries.append(PropertyEntry("ml-weight-inputs", tuple(audit.weight_inputs)))
    licence = established_license(audit)
    if licence:
        entries.append(PropertyEntry("ml-weights-license", licence))
    else:
        entries.append(PropertyEntry("ml-weights-license", UNKNOWN, known=False))
    # What trained the weights, on what data, and whether they can be
    # recomputed: no package definition says so, so a human must.
    for key in ("ml-training-software", "ml-training-data", "ml-reproducibility"):
        entries.append(PropertyEntry(key, UNKNOWN, known=False))
    return tuple(sorted(entries, key=lambda entry: not entry.known))


def alist_lines(entries: "tuple[PropertyEntry, ...] | list[PropertyEntry]",
                note: str = "") -> list[str]:
    """The entries' texts, one a line, with the review comment before the first
    unknown and NOTE (a comment line), if any, first."""
    lines: list[str] = [note] if note else []
    flagged = False
    for entry in entries:
        if not entry.known and not flagged:
            lines.append(REVIEW_COMMENT)
            flagged = True
        lines.append(entry.text)
    return lines


def properties_field(entries: "tuple[PropertyEntry, ...] | list[PropertyEntry]",
                     indent: str = "    ", newline: str = "\n",
                     width: int = WIDTH, note: str = "") -> str:
    """The field ``(properties '(…))`` holding ENTRIES, starting at column ``len(indent)``.

    INDENT is the whitespace of the field's own column (continuation lines are
    built from it, so tabs in it survive); the text has no leading indentation
    and no trailing newline.  NOTE, a comment line, goes on the line before
    the field.
    """
    if not entries:
        raise ValueError("a properties field needs at least one entry")
    if note:
        return note + newline + indent + properties_field(entries, indent, newline, width)
    lines = alist_lines(entries)
    column = len(indent)
    head = "(properties '("
    one_line = head + " ".join(lines) + "))"
    has_comment = any(line.startswith(";") for line in lines)
    if not has_comment and column + len(one_line) <= width:
        return one_line
    aligned = indent + " " * len(head)
    if all(len(aligned) + len(line) + 2 <= width for line in lines):
        return head + (newline + aligned).join(lines) + "))"
    # The quoted list on its own line, one column in: guix style's fallback.
    inner = indent + "   "
    return ("(properties" + newline + indent + " '("
            + (newline + inner).join(lines) + "))")
