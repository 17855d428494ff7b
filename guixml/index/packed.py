"""Compact, fast-loading form of linked packages, for the whole-channel cache.

Building hundreds of thousands of attrs objects is what makes loading slow,
so the cache keeps each package as nested tuples (``marshal``-able) and
:class:`PackedPackages` turns one back into a :class:`~guixml.evaluate.model.Package`
only when it is first accessed.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import attrs

from guixml.index.collector import gc_paused
from guixml.index.sealed import decode_verified
from guixml.scheme.datum import Location
from guixml.evaluate.model import Input, LicenseRef, Origin, Package, Unresolved

__all__ = ["pack_package", "unpack_package", "unorigin", "PackedPackages", "package_head"]


def _trusted_constructor(cls: type) -> Any:
    """A constructor of the frozen attrs class CLS that takes its fields by
    name, with their defaults, and skips validation.

    For values this module packed from valid objects only: building 28,000
    packages and 160,000 inputs through attrs' ``__init__`` (a validator call
    and a bound ``object.__setattr__`` per field) is most of what decoding
    costs; setting the slots directly takes a third of the time.
    """
    fields = attrs.fields(cls)
    for f in fields:
        if isinstance(f.default, attrs.Factory) or f.converter is not None:  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{f.name}: only plain defaults are supported")
    names = [f.name for f in fields]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    parameters = []
    for f in fields:
        namespace[f"set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is attrs.NOTHING:
            parameters.append(f.name)
        else:
            namespace[f"default_{f.name}"] = f.default
            parameters.append(f"{f.name}=default_{f.name}")
    body = "".join(f"    set_{n}(made, {n})\n" for n in names)
    exec(f"def make({', '.join(parameters)}):\n    made = new(cls)\n{body}    return made\n",
         namespace)
    return namespace["make"]


_make_location = _trusted_constructor(Location)
_make_origin = _trusted_constructor(Origin)
_make_input = _trusted_constructor(Input)
_make_package = _trusted_constructor(Package)


def _loc(loc: Location | None) -> tuple | None:
    return None if loc is None else (loc.file, loc.line, loc.column)


def _unloc(t: tuple | None) -> Location | None:
    return None if t is None else _make_location(t[0], t[1], t[2])


def _origin(o: Origin | None) -> tuple | None:
    if o is None:
        return None
    return (o.method, tuple(o.uris), o.commit, o.file_name, o.sha256, tuple(o.patches),
            _loc(o.location))


def unorigin(t: tuple | None) -> Origin | None:
    """The model origin of a packed origin T."""
    if t is None:
        return None
    return _make_origin(method=t[0], uris=t[1], commit=t[2], file_name=t[3], sha256=t[4],
                        patches=t[5], location=_unloc(t[6]))


def _input(i: Input) -> tuple:
    raw = i.raw if isinstance(i.raw, str) else None
    return (i.field, i.kind, i.ref, i.label, i.output, _origin(i.origin), i.module,
            _loc(i.location), raw, i.name, i.version)


def _uninput(t: tuple) -> Input:
    # The commonest case, no origin, tested here: a call less per input.
    origin, location = t[5], t[7]
    return _make_input(field=t[0], kind=t[1], ref=t[2], label=t[3], output=t[4],
                       origin=None if origin is None else unorigin(origin), module=t[6],
                       location=None if location is None else _make_location(*location),
                       raw=t[8], name=t[9], version=t[10])


def pack_package(p: Package) -> tuple:
    return (p.module, p.file, p.variable, p.name, p.version, _loc(p.location),
            _origin(p.source), p.build_system,
            tuple(_input(i) for i in p.inputs), tuple(_input(i) for i in p.native_inputs),
            tuple(_input(i) for i in p.propagated_inputs),
            p.synopsis, p.description, p.home_page,
            tuple((lic.written, lic.name, lic.uri) for lic in p.licenses),
            None if p.properties is None else pickle.dumps(p.properties, protocol=5),
            p.inherit, p.public, p.hidden, p.deprecated, p.superseded, p.generator,
            tuple((u.kind, u.field, u.text, _loc(u.location)) for u in p.unresolved),
            p.span, p.field_spans)


def unpack_package(t: tuple) -> Package:
    span = t[23]
    location = t[5]
    return _make_package(
        module=t[0], file=t[1], variable=t[2], name=t[3], version=t[4],
        location=None if location is None else _make_location(
            location[0], location[1], location[2], span[0] if span else 0),
        source=unorigin(t[6]), build_system=t[7],
        inputs=tuple(_uninput(i) for i in t[8]),
        native_inputs=tuple(_uninput(i) for i in t[9]),
        propagated_inputs=tuple(_uninput(i) for i in t[10]),
        synopsis=t[11], description=t[12], home_page=t[13],
        licenses=tuple(LicenseRef(*x) for x in t[14]),
        properties=None if t[15] is None else decode_verified("pickle", t[15]),
        inherit=t[16], public=t[17], hidden=t[18], deprecated=t[19], superseded=t[20],
        generator=t[21],
        unresolved=tuple(Unresolved(k, f, x, _unloc(loc)) for k, f, x, loc in t[22]),
        span=span, field_spans=t[24])


def package_head(packages: Sequence[Package], index: int) -> tuple:
    """(module, variable, name, version, hidden) of PACKAGES[INDEX], decoding
    it only when PACKAGES is not a :class:`PackedPackages`."""
    head = getattr(packages, "head", None)
    if head is not None:
        return head(index)
    p = packages[index]
    return p.module, p.variable, p.name, p.version, p.hidden


class PackedPackages(Sequence):
    """A read-only list of packages decoded from packed tuples on first access."""

    def __init__(self, packed: list[tuple]) -> None:
        self._packed = packed
        self._decoded: list[Package | None] = [None] * len(packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        p = self._decoded[index]
        if p is None:
            p = self._decoded[index] = unpack_package(self._packed[index])
        return p

    def __iter__(self):
        with gc_paused():
            decoded = [self[i] for i in range(len(self))]
        return iter(decoded)

    def head(self, index: int) -> tuple[str, str | None, str | None, str | None, bool]:
        """(module, variable, name, version, hidden) of package INDEX, without
        decoding it: enough to find a package among thousands."""
        t = self._packed[index]
        return t[0], t[2], t[3], t[4], t[18]
