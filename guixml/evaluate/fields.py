"""Package and origin fields as Guix's record accessors see them.

Shared by the interpreter, the builtins and the package transformers, none of
which import each other for them: ``field_value`` follows ``inherit``
parents (and a transformer, registered by :mod:`guixml.evaluate.transforms`);
``input_label`` and ``as_input_items`` are Guix's ``add-input-label`` and
``sanitize-inputs``.  Functions take the evaluator as their first argument
and call only its ``force`` and ``string`` methods.
"""

from __future__ import annotations

import posixpath
from typing import Any, Callable
from urllib.parse import urlsplit

from guixml.evaluate.values import EvalFailure, InputItem, OriginValue, PackageValue

__all__ = ["field_value", "origin_file_name", "input_label", "as_input_items",
           "register_transform", "MAX_DEPTH"]

#: How deep an ``inherit`` chain (and the interpreter's recursion) may go.
MAX_DEPTH = 200


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # it holds an integer beyond Python's int-to-text limit
        text = f"<{type(value).__name__}>"
    return text if len(text) < 80 else text[:77] + "..."


def field_value(ev: Any, pkg: Any, field: str, default: Any = None) -> Any:
    """Field FIELD of package or origin PKG, following ``inherit`` parents."""
    t = type(pkg)
    if (t is PackageValue or t is OriginValue) and field in pkg.fields:
        return pkg.fields[field]  # written in PKG itself: most calls
    for _ in range(MAX_DEPTH):
        t = type(pkg)
        if t is not PackageValue and t is not OriginValue:
            raise EvalFailure("not-a-record", _short(pkg))
        if field in pkg.fields:
            return pkg.fields[field]
        if t is PackageValue and pkg.transform is not None:
            transformed = _transform_hook()(ev, pkg)
            if transformed is not pkg:
                pkg = transformed
                continue
        if pkg.parent is None:
            return default
        pkg = ev.force(pkg.parent)
    raise EvalFailure("inheritance-loop")


#: The package transformer (``package-with-…`` procedures and their kin),
#: registered by :mod:`guixml.evaluate.transforms`, which needs this module:
#: so this module does not import it back.
_TRANSFORM: list[Callable[[Any, PackageValue], Any]] = []


def register_transform(apply: Callable[[Any, PackageValue], Any]) -> None:
    """Make APPLY the function that turns a transformed package into its value."""
    _TRANSFORM[:] = [apply]


def _transform_hook() -> Callable[[Any, PackageValue], Any]:
    return _TRANSFORM[0]


def origin_file_name(ev: Any, origin: OriginValue) -> str | None:
    """Guix's ``origin-actual-file-name``: the file-name field or the URI's base name."""
    name = field_value(ev, origin, "file-name")
    if name is not None and name is not False:
        return ev.string(name)
    uri = ev.force(field_value(ev, origin, "uri"))
    if isinstance(uri, list) and uri:
        uri = ev.force(uri[0])
    if type(uri) is str:
        path = urlsplit(uri).path
        return posixpath.basename(path) if path else uri
    return None


def input_label(ev: Any, item: InputItem) -> str:
    """The label Guix gives ITEM (``add-input-label``)."""
    if item.label is not None:
        return item.label
    thing = ev.force(item.thing)
    if type(thing) is PackageValue:
        return ev.string(field_value(ev, thing, "name"))
    if type(thing) is OriginValue:
        return origin_file_name(ev, thing) or "_"
    return "_"


def as_input_items(ev: Any, value: Any, line: int = 0, column: int = 0) -> Any:
    """Guix's ``sanitize-inputs``: a list of :class:`InputItem`, labelled or not."""
    if isinstance(value, list):
        items = value
    else:
        value = ev.force(value)
        if not isinstance(value, list):
            raise EvalFailure("input-expression", _short(value))
        items = value
    if not items:
        return []
    first = items[0]
    if type(first) is InputItem:
        return [x if type(x) is InputItem else _unlabelled(ev, x, line, column) for x in items]
    if isinstance(first, list) and first and type(first[0]) is str:
        out = []
        for x in items:
            if type(x) is InputItem:
                out.append(x)
            elif isinstance(x, list) and len(x) >= 2 and type(x[0]) is str:
                output = x[2] if len(x) > 2 else None
                out.append(InputItem(x[0], x[1], output, line, column))
            else:
                raise EvalFailure("input-expression", _short(x))
        return out
    return [_unlabelled(ev, x, line, column) for x in items]


def _unlabelled(ev: Any, x: Any, line: int, column: int) -> InputItem:
    if type(x) is InputItem:
        return x
    if isinstance(x, list) and len(x) == 2 and type(x[1]) is str:
        return InputItem(None, x[0], x[1], line, column)
    return InputItem(None, x, None, line, column)
