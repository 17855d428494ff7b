"""The package model: what a Guix module defines, as immutable values.

These classes are filled by static evaluation (``guixml.evaluate.interpreter``) and the
channel index (``guixml.index.channel``) and read by every later stage (classifier,
annotator, reports).  Raw data (``raw`` fields) are kept for what static
evaluation could not turn into a value, and are excluded from equality.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import field, frozen

from guixml.scheme.datum import Location

__all__ = [
    "Location",
    "Origin",
    "Input",
    "LicenseRef",
    "Unresolved",
    "Package",
    "Import",
    "Module",
    "INPUT_FIELDS",
]

#: The package fields that hold inputs, in the order Guix lists them.
INPUT_FIELDS = ("inputs", "native-inputs", "propagated-inputs")

INPUT_KINDS = ("package", "origin", "other")


@frozen
class Unresolved:
    """A construct static evaluation left as a raw datum instead of guessing.

    ``kind`` names what it was (``"procedure-call"``, ``"unbound-variable"``,
    ``"input-expression"``…), ``field`` the package field it sat in.
    """

    kind: str
    field: str
    text: str
    location: Location | None = None


@frozen
class Origin:
    """An ``(origin …)`` form: where a source or an inline input comes from.

    ``method`` is the fetch procedure as written (``url-fetch``, ``git-fetch``…);
    ``uris`` are the URIs as evaluated, with ``mirror://`` URIs kept as is; for
    ``git-fetch`` they hold the repository URL, and ``commit`` the commit or tag.
    """

    method: str | None = None
    uris: tuple[str, ...] = ()
    commit: str | None = None
    file_name: str | None = None
    sha256: str | None = None
    patches: tuple[str, ...] = ()
    snippet: Any = field(default=None, eq=False, repr=False)
    modules: Any = field(default=None, eq=False, repr=False)
    location: Location | None = field(default=None, eq=False)
    unresolved: tuple[Unresolved, ...] = field(default=(), eq=False)
    raw: Any = field(default=None, eq=False, repr=False)


@frozen
class Input:
    """One element of a package's inputs, native-inputs or propagated-inputs.

    ``kind`` is ``"package"`` for a reference to a package variable (``ref``,
    resolved by the index to ``module`` when it can be), ``"origin"`` for an
    inline ``origin`` (in ``origin``), and ``"other"`` for anything else
    (``raw`` keeps it).  ``label`` is the label Guix gives it: the one written
    in old-style inputs, else the package name (Guix's own rule).
    """

    field: str
    kind: str = attrs.field(validator=attrs.validators.in_(INPUT_KINDS))
    ref: str | None = None
    label: str | None = None
    output: str = "out"
    origin: Origin | None = None
    module: str | None = None
    location: Location | None = attrs.field(default=None, eq=False)
    raw: Any = attrs.field(default=None, eq=False, repr=False)
    #: For package inputs: the evaluated name and version of the package named.
    name: str | None = None
    version: str | None = None


@frozen
class LicenseRef:
    """A licence as written in a package's ``license`` field.

    ``written`` is the text as it stands (``license:gpl3+``); ``name`` is the
    ``(guix licenses)`` variable it denotes once the module's import prefix is
    removed (``gpl3+``), or the procedure for forms such as
    ``(license:non-copyleft "URL")``, whose URL is in ``uri``.
    """

    written: str
    name: str | None = None
    uri: str | None = None


@frozen
class Package:
    """One package definition, as far as static evaluation could take it."""

    module: str
    file: str
    variable: str | None
    name: str | None
    version: str | None
    location: Location | None = field(default=None, eq=False)
    source: Origin | None = None
    build_system: str | None = None
    arguments: Any = field(default=None, eq=False, repr=False)
    inputs: tuple[Input, ...] = ()
    native_inputs: tuple[Input, ...] = ()
    propagated_inputs: tuple[Input, ...] = ()
    synopsis: str | None = None
    description: str | None = None
    home_page: str | None = None
    licenses: tuple[LicenseRef, ...] = ()
    properties: tuple[tuple[str, Any], ...] | None = field(default=None, eq=False)
    inherit: str | None = None
    public: bool = True
    hidden: bool = False
    deprecated: bool = False
    superseded: str | None = None
    generator: str | None = None
    unresolved: tuple[Unresolved, ...] = field(default=(), eq=False)
    raw: Any = field(default=None, eq=False, repr=False)
    #: (start, end) character offsets of the ``(package …)`` form in the text of
    #: ``location.file``, when it was read there (not for packages a macro of
    #: another file wrote).
    span: tuple[int, int] | None = field(default=None, eq=False, repr=False)
    #: (field, start, end) offsets, in the same text, of the fields kept as
    #: written rather than evaluated (``arguments`` …).
    field_spans: tuple[tuple[str, int, int], ...] = field(default=(), eq=False, repr=False)

    def field_span(self, name: str) -> tuple[int, int] | None:
        """(start, end) of the ``(NAME …)`` field in the package's form, if known."""
        for field_name, start, end in self.field_spans:
            if field_name == name:
                return start, end
        return None

    def input_fields(self) -> tuple[tuple[str, tuple[Input, ...]], ...]:
        """The three input lists with their Guix field names."""
        return (
            ("inputs", self.inputs),
            ("native-inputs", self.native_inputs),
            ("propagated-inputs", self.propagated_inputs),
        )

    def all_inputs(self) -> tuple[Input, ...]:
        return self.inputs + self.native_inputs + self.propagated_inputs

    def property(self, key: str, default: Any = None) -> Any:
        """The value of KEY in the package's static ``properties``, or DEFAULT."""
        for name, value in self.properties or ():
            if name == key:
                return value
        return default


@frozen
class Import:
    """One ``#:use-module`` clause of a ``define-module`` form."""

    module: str
    select: tuple[tuple[str, str], ...] | None = None  # (name in module, local name)
    hide: tuple[str, ...] = ()
    prefix: str | None = None


@frozen
class Module:
    """A Guile module file of a channel: its name, imports and package definitions."""

    name: str
    file: str
    imports: tuple[Import, ...] = ()
    exports: tuple[str, ...] = ()
    packages: tuple[Package, ...] = ()
    errors: tuple[str, ...] = ()
