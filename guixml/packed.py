"""Compact, fast-loading form of linked packages, for the whole-channel cache.

Building hundreds of thousands of attrs objects is what makes loading slow,
so the cache keeps each package as nested tuples (``marshal``-able) and
:class:`PackedPackages` turns one back into a :class:`~guixml.model.Package`
only when it is first accessed.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from guixml.datum import Location
from guixml.model import Input, LicenseRef, Origin, Package, Unresolved

__all__ = ["pack_package", "unpack_package", "unorigin", "PackedPackages"]


def _loc(loc: Location | None) -> tuple | None:
    return None if loc is None else (loc.file, loc.line, loc.column)


def _unloc(t: tuple | None) -> Location | None:
    return None if t is None else Location(t[0], t[1], t[2])


def _origin(o: Origin | None) -> tuple | None:
    if o is None:
        return None
    return (o.method, tuple(o.uris), o.commit, o.file_name, o.sha256, tuple(o.patches),
            _loc(o.location))


def unorigin(t: tuple | None) -> Origin | None:
    """The model origin of a packed origin T."""
    if t is None:
        return None
    return Origin(method=t[0], uris=t[1], commit=t[2], file_name=t[3], sha256=t[4],
                  patches=t[5], location=_unloc(t[6]))


def _input(i: Input) -> tuple:
    raw = i.raw if isinstance(i.raw, str) else None
    return (i.field, i.kind, i.ref, i.label, i.output, _origin(i.origin), i.module,
            _loc(i.location), raw, i.name, i.version)


def _uninput(t: tuple) -> Input:
    return Input(field=t[0], kind=t[1], ref=t[2], label=t[3], output=t[4],
                 origin=unorigin(t[5]), module=t[6], location=_unloc(t[7]), raw=t[8],
                 name=t[9], version=t[10])


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
    return Package(
        module=t[0], file=t[1], variable=t[2], name=t[3], version=t[4],
        location=None if location is None else Location(
            location[0], location[1], location[2], span[0] if span else 0),
        source=unorigin(t[6]), build_system=t[7],
        inputs=tuple(_uninput(i) for i in t[8]),
        native_inputs=tuple(_uninput(i) for i in t[9]),
        propagated_inputs=tuple(_uninput(i) for i in t[10]),
        synopsis=t[11], description=t[12], home_page=t[13],
        licenses=tuple(LicenseRef(*x) for x in t[14]),
        properties=None if t[15] is None else pickle.loads(t[15]),
        inherit=t[16], public=t[17], hidden=t[18], deprecated=t[19], superseded=t[20],
        generator=t[21],
        unresolved=tuple(Unresolved(k, f, x, _unloc(loc)) for k, f, x, loc in t[22]),
        span=span, field_spans=t[24])


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
        from guixml.index import gc_paused
        with gc_paused():
            decoded = [self[i] for i in range(len(self))]
        return iter(decoded)

    def key(self, index: int) -> tuple[str, str | None]:
        """(module, variable) of package INDEX, without decoding it."""
        t = self._packed[index]
        return t[0], t[2]
