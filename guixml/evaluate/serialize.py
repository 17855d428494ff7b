"""Package model objects as JSON-ready dictionaries (``guixml packages``, audit reports).

The schema is documented in ``docs/packages.md``.  Scheme values that have no
JSON counterpart (symbols, pairs, references) are written as Guile's
``write`` would print them.
"""

from __future__ import annotations

from typing import Any

from guixml.scheme.datum import Char, DottedList, Keyword, Location, Symbol
from guixml.evaluate.model import Input, LicenseRef, Origin, Package, Unresolved

__all__ = ["package_to_json", "origin_to_json", "input_to_json", "location_to_json",
           "scheme_text"]


def location_to_json(loc: Location | None) -> dict | None:
    if loc is None:
        return None
    return {"file": loc.file, "line": loc.line, "column": loc.column}


def origin_to_json(origin: Origin | None) -> dict | None:
    if origin is None:
        return None
    return {
        "method": origin.method,
        "uris": list(origin.uris),
        "commit": origin.commit,
        "file_name": origin.file_name,
        "sha256": origin.sha256,
        "patches": list(origin.patches),
    }


def input_to_json(item: Input) -> dict:
    out: dict[str, Any] = {"label": item.label, "kind": item.kind, "output": item.output}
    if item.kind == "package":
        out.update(ref=item.ref, module=item.module, name=item.name, version=item.version)
    elif item.kind == "origin":
        out["origin"] = origin_to_json(item.origin)
        if item.ref:
            out.update(ref=item.ref, module=item.module)
    else:
        out.update(ref=item.ref, module=item.module,
                   raw=item.raw if isinstance(item.raw, str) else scheme_text(item.raw))
    return out


def license_to_json(lic: LicenseRef) -> dict:
    out: dict[str, Any] = {"written": lic.written, "name": lic.name}
    if lic.uri is not None:
        out["uri"] = lic.uri
    return out


def unresolved_to_json(u: Unresolved) -> dict:
    return {"kind": u.kind, "field": u.field, "text": u.text,
            "location": location_to_json(u.location)}


def package_to_json(p: Package) -> dict:
    """The JSON object ``guixml packages --format jsonl`` prints for P."""
    return {
        "module": p.module,
        "file": p.file,
        "variable": p.variable,
        "name": p.name,
        "version": p.version,
        "location": location_to_json(p.location),
        "source": origin_to_json(p.source),
        "build_system": p.build_system,
        "inputs": [input_to_json(i) for i in p.inputs],
        "native_inputs": [input_to_json(i) for i in p.native_inputs],
        "propagated_inputs": [input_to_json(i) for i in p.propagated_inputs],
        "license": [license_to_json(lic) for lic in p.licenses],
        "properties": None if p.properties is None else
        [[key, json_value(value)] for key, value in p.properties],
        "home_page": p.home_page,
        "synopsis": p.synopsis,
        "inherit": p.inherit,
        "generator": p.generator,
        "hidden": p.hidden,
        "deprecated": p.deprecated,
        "superseded": p.superseded,
        "unresolved": [unresolved_to_json(u) for u in p.unresolved],
    }


def json_value(value: Any) -> Any:
    """VALUE as JSON: strings, numbers and booleans as such, lists as arrays, the rest as text."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return scheme_text(value)


def scheme_text(value: Any) -> str:
    """A compact Scheme rendering of VALUE (close to Guile's write)."""
    t = type(value)
    if t is bool:
        return "#t" if value else "#f"
    if t is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if t is Symbol:
        return str(value)
    if t is Keyword:
        return "#:" + str(value)
    if t is Char:
        return "#\\" + str(value)
    if isinstance(value, list):
        return "(" + " ".join(scheme_text(v) for v in value) + ")"
    if t is DottedList:
        return "(" + " ".join(scheme_text(v) for v in value.items) + " . " + \
            scheme_text(value.tail) + ")"
    if value is None:
        return "#<unspecified>"
    return str(value)
