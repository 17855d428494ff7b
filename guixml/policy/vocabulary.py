"""The ML annotation vocabulary: the keys of `properties`, their checks, and the facts they carry.

The table itself is data (guixml/data/vocabulary.toml); docs/annotations.md
explains it.  :func:`properties_problems` is the Python twin of the Guile
procedure ``ml-properties-problems`` of ``(guixml ml)``: the same alist gives
the same problem codes, for the same keys, in the same order.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

import attrs

from guixml.policy import license_freedom as spdx
from guixml.scheme.datum import DottedList, List, Symbol, sym

__all__ = [
    "KeySpec",
    "Problem",
    "MLFacts",
    "PROBLEM_CODES",
    "vocabulary",
    "entries",
    "properties_problems",
    "facts_from_alist",
    "alist_from_facts",
]

ValueType = Literal["symbol", "string", "string-list", "license"]

PROBLEM_CODES = (
    "malformed-entry",
    "duplicate-key",
    "unknown-key",
    "wrong-type",
    "unknown-value",
    "bad-license-expression",
    "missing-weight-inputs",
    "weight-inputs-not-separate",
    "facts-without-ml-weights",
)

ML_PREFIX = "ml-"


@attrs.frozen
class KeySpec:
    """One key of the vocabulary."""

    name: str
    type: ValueType
    doc: str
    values: tuple[str, ...] = ()
    default: str | None = None


@attrs.frozen
class Problem:
    """Something wrong with an annotation: CODE (one of PROBLEM_CODES) about KEY."""

    code: str
    key: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.key or 'properties'}: {self.message}"


@cache
def vocabulary() -> dict[str, KeySpec]:
    """The keys, by name, in the order of the data file."""
    text = (Path(__file__).parent.parent / "data" / "vocabulary.toml").read_text("utf-8")
    return {
        entry["name"]: KeySpec(
            name=entry["name"],
            type=entry["type"],
            doc=entry["doc"],
            values=tuple(entry.get("values", ())),
            default=entry.get("default"),
        )
        for entry in tomllib.loads(text)["key"]
    }


# --- reading alists -------------------------------------------------------

_MALFORMED = object()


def _split_entry(entry: Any) -> tuple[Any, Any]:
    """ENTRY as (car, cdr), or (_MALFORMED, None) when it is not a pair.

    Accepts guixml data -- ``(key . value)`` is a DottedList, ``(key v ...)``
    a List whose cdr is the rest -- and Python pairs ``(key, value)``.
    """
    if isinstance(entry, DottedList) and entry.items:
        items = list(entry.items)
        if len(items) == 1:
            return items[0], entry.tail
        return items[0], DottedList(items[1:], entry.tail)
    if isinstance(entry, List) and len(entry) > 0:
        return entry[0], List(entry[1:])
    if isinstance(entry, tuple) and len(entry) == 2:  # Python pairs, as in model.Package
        key, value = entry
        return (sym(key) if type(key) is str else key), value
    return _MALFORMED, None


def _unquote(datum: Any) -> Any:
    """Strip a leading quote or quasiquote: the field is usually written '(...)."""
    if (
        isinstance(datum, List)
        and len(datum) == 2
        and isinstance(datum[0], Symbol)
        and str(datum[0]) in ("quote", "quasiquote")
    ):
        return datum[1]
    return datum


def entries(alist: Any) -> list[tuple[Any, Any]]:
    """The (car, cdr) of each entry of ALIST, malformed entries as (_MALFORMED, entry).

    ALIST is a guixml List (optionally quoted), a Python sequence of entries
    (guixml data or ``(name, value)`` tuples, as in ``Package.properties``), or
    a dict from key name to value.
    """
    if isinstance(alist, dict):
        return [(sym(k) if isinstance(k, str) else k, v) for k, v in alist.items()]
    alist = _unquote(alist)
    tail: list[Any] = []
    if isinstance(alist, DottedList):  # an improper alist: its tail is one more bad entry
        alist, tail = alist.items, [alist.tail]
    result = []
    for entry in [*alist, *tail]:
        key, value = _split_entry(entry)
        result.append((key, value) if key is not _MALFORMED else (_MALFORMED, entry))
    return result


def _is_symbol(value: Any) -> bool:
    return isinstance(value, Symbol)


def _is_string(value: Any) -> bool:
    return type(value) is str


def _string_list(value: Any) -> list[str] | None:
    """VALUE as a list of strings, or None when it is not a proper list of strings."""
    if isinstance(value, (list, tuple)) and not isinstance(value, DottedList):
        if all(_is_string(item) for item in value):
            return list(value)
    return None


def _not_established(value: Any) -> bool:
    """Whether VALUE says "not established" for a licence: ``unknown``, the one
    spelling, or ``#f``, the older one, still read."""
    return value is False or (isinstance(value, Symbol) and str(value) == "unknown")


def _type_problem(spec: KeySpec, value: Any) -> Problem | None:
    expected = {
        "symbol": ("a symbol", _is_symbol),
        "string": ("a string", _is_string),
        "string-list": ("a list of strings", lambda v: _string_list(v) is not None),
        "license": ("an SPDX expression string or unknown",
                    lambda v: _is_string(v) or _not_established(v)),
    }[spec.type]
    description, test = expected
    if not test(value):
        return Problem("wrong-type", spec.name, f"value must be {description}")
    if spec.type == "symbol" and str(value) not in spec.values:
        allowed = ", ".join(spec.values)
        return Problem("unknown-value", spec.name, f"'{value}' is not one of: {allowed}")
    if spec.type == "license" and _is_string(value) and not spdx.is_well_formed(value):
        return Problem(
            "bad-license-expression", spec.name, f"{value!r} is not an SPDX licence expression"
        )
    return None


def properties_problems(alist: Any) -> list[Problem]:
    """The problems of the ML annotation in ALIST; the empty list when it is valid.

    Only keys starting with ``ml-`` are examined; other properties are Guix's.
    """
    vocab = vocabulary()
    problems: list[Problem] = []
    seen: dict[str, Any] = {}
    for key, value in entries(alist):
        if key is _MALFORMED or not _is_symbol(key):
            problems.append(Problem("malformed-entry", None, "entry is not a (symbol . value) pair"))
            continue
        name = str(key)
        if not name.startswith(ML_PREFIX):
            continue
        if name in seen:
            problems.append(Problem("duplicate-key", name, "key given more than once"))
            continue
        seen[name] = value
        spec = vocab.get(name)
        if spec is None:
            problems.append(Problem("unknown-key", name, "not a key of the guixml ML vocabulary"))
            continue
        problem = _type_problem(spec, value)
        if problem is not None:
            problems.append(problem)

    weights = seen.get("ml-weights")
    weights_valid = _is_symbol(weights) and str(weights) in vocab["ml-weights"].values
    if "ml-weights" not in seen:
        if seen:
            problems.append(
                Problem("facts-without-ml-weights", "ml-weights", "ML facts given without ml-weights")
            )
    elif weights_valid and str(weights) == "separate":
        inputs = seen.get("ml-weight-inputs")
        if "ml-weight-inputs" not in seen or _string_list(inputs) == []:
            problems.append(
                Problem(
                    "missing-weight-inputs",
                    "ml-weight-inputs",
                    "'separate' weights need the list of weight inputs",
                )
            )
    elif weights_valid and "ml-weight-inputs" in seen:
        problems.append(
            Problem(
                "weight-inputs-not-separate",
                "ml-weight-inputs",
                f"weight inputs given but ml-weights is '{weights}', not 'separate'",
            )
        )
    return problems


# --- facts ------------------------------------------------------------------


@attrs.frozen
class MLFacts:
    """The ML facts of one package, read from a valid annotation (absent keys: defaults)."""

    weights: str | None = None
    weight_inputs: tuple[str, ...] = ()
    weights_license: str | None = None
    training_software: str = "unknown"
    training_software_package: str | None = None
    training_software_url: str | None = None
    training_data: str = "unknown"
    training_data_url: str | None = None
    reproducibility: str = "unknown"
    provenance: str | None = None


_FIELD_OF_KEY = {
    "ml-weights": "weights",
    "ml-weight-inputs": "weight_inputs",
    "ml-weights-license": "weights_license",
    "ml-training-software": "training_software",
    "ml-training-software-package": "training_software_package",
    "ml-training-software-url": "training_software_url",
    "ml-training-data": "training_data",
    "ml-training-data-url": "training_data_url",
    "ml-reproducibility": "reproducibility",
    "ml-provenance": "provenance",
}


def facts_from_alist(alist: Any) -> MLFacts:
    """The facts of ALIST, first occurrence of a key winning (as with assq).

    A first occurrence of the wrong type reads as absent (the default); call
    :func:`properties_problems` first to report them.
    """
    vocab = vocabulary()
    fields: dict[str, Any] = {}
    taken: set[str] = set()
    for key, value in entries(alist):
        if key is _MALFORMED or not _is_symbol(key):
            continue
        name = str(key)
        field = _FIELD_OF_KEY.get(name)
        if field is None or field in taken:
            continue
        taken.add(field)
        spec = vocab[name]
        if _type_problem(spec, value) is not None:
            continue
        if spec.type == "symbol":
            fields[field] = str(value)
        elif spec.type == "string-list":
            fields[field] = tuple(_string_list(value) or ())
        elif spec.type == "license":
            fields[field] = value if _is_string(value) else None
        else:
            fields[field] = value
    return MLFacts(**fields)


def alist_from_facts(facts: MLFacts) -> List:
    """FACTS as a properties alist of guixml data, keys in vocabulary order.

    Keys whose value is the default (None, empty, absent provenance) are left
    out, except the ``unknown`` facts of a package with weights: they are
    written so that a reviewer sees what is still to be established.
    """
    result = List()
    if facts.weights is None:
        return result
    values: dict[str, Any] = {
        "ml-weights": sym(facts.weights),
        "ml-weight-inputs": List(facts.weight_inputs) if facts.weight_inputs else None,
        "ml-weights-license": facts.weights_license if facts.weights_license else sym("unknown"),
        "ml-training-software": sym(facts.training_software),
        "ml-training-software-package": facts.training_software_package,
        "ml-training-software-url": facts.training_software_url,
        "ml-training-data": sym(facts.training_data),
        "ml-training-data-url": facts.training_data_url,
        "ml-reproducibility": sym(facts.reproducibility),
        "ml-provenance": sym(facts.provenance) if facts.provenance else None,
    }
    for name in vocabulary():
        value = values[name]
        if value is None:
            continue
        if isinstance(value, List):
            result.append(List([sym(name), *value]))
        else:
            result.append(DottedList([sym(name)], value))
    return result

