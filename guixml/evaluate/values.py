"""The values static evaluation computes, between datums and the package model.

Evaluation runs in two phases (see :mod:`guixml.index.channel`): each file is evaluated
on its own (in a worker process), leaving references to variables of other
modules as :class:`GlobalRef` and calls of procedures it cannot see as
:class:`Call`; the channel phase then forces those against the whole channel.
Every value here is therefore picklable and holds no source text, except
:class:`Closure`, which lives only inside one evaluation.
"""

from __future__ import annotations

from typing import Any


class NeedGlobal(Exception):
    """Raised in the per-file phase when a value from another module is needed."""


class EvalFailure(Exception):
    """An expression static evaluation cannot evaluate (kept raw, never guessed)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


class GlobalRef:
    """A top-level variable NAME as seen from MODULE (or exactly in MODULE when ``direct``)."""

    __slots__ = ("module", "name", "direct")

    def __init__(self, module: str, name: str, direct: bool = False) -> None:
        self.module = module
        self.name = name
        self.direct = direct

    def __reduce__(self):
        return (GlobalRef, (self.module, self.name, self.direct))

    def __repr__(self) -> str:
        return f"GlobalRef({self.module}, {self.name})"


class Call:
    """A call of a procedure the per-file phase cannot see, with its evaluated arguments."""

    __slots__ = ("fn", "args", "line", "column")

    def __init__(self, fn: Any, args: list, line: int = 0, column: int = 0) -> None:
        self.fn = fn
        self.args = args
        self.line = line
        self.column = column

    def __reduce__(self):
        return (Call, (self.fn, self.args, self.line, self.column))

    def __repr__(self) -> str:
        return f"Call({self.fn!r}, {self.args!r})"


class Unknown:
    """What could not be evaluated: its kind, source text and position."""

    __slots__ = ("kind", "text", "line", "column")

    def __init__(self, kind: str, text: str, line: int = 0, column: int = 0) -> None:
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column

    def __reduce__(self):
        return (Unknown, (self.kind, self.text, self.line, self.column))

    def __repr__(self) -> str:
        return f"Unknown({self.kind}, {self.text[:40]!r})"


class Record:
    """A record built by a Guix record macro other than package/origin (git-reference…)."""

    __slots__ = ("type", "fields")

    def __init__(self, type: str, fields: dict) -> None:
        self.type = type
        self.fields = fields

    def __reduce__(self):
        return (Record, (self.type, self.fields))

    def __repr__(self) -> str:
        return f"Record({self.type}, {self.fields!r})"


class OriginValue:
    """An ``(origin …)``: its written fields (evaluated) and the parent it inherits."""

    __slots__ = ("fields", "parent", "line", "column", "file")

    def __init__(self, fields: dict, parent: Any = None, line: int = 0,
                 column: int = 0, file: str = "") -> None:
        self.fields = fields
        self.parent = parent
        self.line = line
        self.column = column
        self.file = file

    def __reduce__(self):
        return (OriginValue, (self.fields, self.parent, self.line, self.column, self.file))

    def __repr__(self) -> str:
        return f"OriginValue({self.fields!r})"


class PackageValue:
    """A ``(package …)``: written fields (evaluated), the parent it inherits, markers.

    ``fields`` maps Guix field names to values; fields not written come from
    ``parent`` (a value, possibly a :class:`GlobalRef`).  ``hidden`` and
    ``superseded`` record ``hidden-package``/``deprecated-package``;
    ``generator`` names the channel procedure that produced it, if any.
    """

    __slots__ = ("fields", "parent", "line", "column", "file", "hidden", "superseded",
                 "generator", "transform", "unresolved", "spans", "form")

    def __init__(self, fields: dict, parent: Any = None, line: int = 0, column: int = 0,
                 file: str = "") -> None:
        self.fields = fields
        self.parent = parent
        self.line = line
        self.column = column
        self.file = file
        self.hidden = False
        self.superseded: Any = None
        self.generator: str | None = None
        self.transform: tuple | None = None
        self.unresolved: list = []
        #: Field name -> (start, end) offsets in FILE's text of the fields kept
        #: as written (not evaluated), such as ``arguments``.
        self.spans: dict = {}
        #: (start, end) offsets of the ``(package …)`` form in FILE's text, if read there.
        self.form: tuple[int, int] | None = None

    def __getstate__(self):
        return (self.fields, self.parent, self.line, self.column, self.file, self.hidden,
                self.superseded, self.generator, self.transform, self.unresolved, self.spans,
                self.form)

    def __setstate__(self, state):
        (self.fields, self.parent, self.line, self.column, self.file, self.hidden,
         self.superseded, self.generator, self.transform, self.unresolved, self.spans,
         self.form) = state

    def __reduce__(self):
        # Rebuilt through a function: a compiled class's __new__ runs __init__.
        return (_package_from_state, (self.__getstate__(),))

    def __repr__(self) -> str:
        return f"PackageValue({self.fields.get('name')!r}, parent={self.parent!r})"


def _package_from_state(state: tuple) -> PackageValue:
    value = PackageValue(state[0])
    value.__setstate__(state)
    return value


class InputItem:
    """One element of a labelled input list: label (None: computed by Guix's rule), thing, outputs."""

    __slots__ = ("label", "thing", "output", "line", "column")

    def __init__(self, label: str | None, thing: Any, output: Any = None,
                 line: int = 0, column: int = 0) -> None:
        self.label = label
        self.thing = thing
        self.output = output
        self.line = line
        self.column = column

    def __reduce__(self):
        return (InputItem, (self.label, self.thing, self.output, self.line, self.column))

    def __repr__(self) -> str:
        return f"InputItem({self.label!r}, {self.thing!r}, {self.output!r})"


class Promise:
    """``(delay EXPR)``: kept unforced (its value, usually a reference).

    When EXPR is more than a reference, ``value`` is an :class:`Unknown` of
    it and ``forced``, when it evaluated, what ``(force P)`` gives."""

    __slots__ = ("value", "forced")

    def __init__(self, value: Any, forced: Any = None) -> None:
        self.value = value
        self.forced = forced

    def __reduce__(self):
        if self.forced is None:
            return (Promise, (self.value,))
        return (Promise, (self.value, self.forced))

    def __repr__(self) -> str:
        return f"Promise({self.value!r})"


class Closure:
    """A procedure defined in Scheme; lives only during one evaluation."""

    __slots__ = ("name", "required", "optional", "keys", "rest", "body", "env", "module",
                 "evaluator")

    def __init__(self, name, required, optional, keys, rest, body, env, evaluator) -> None:
        self.name = name
        self.required = required
        self.optional = optional
        self.keys = keys
        self.rest = rest
        self.body = body
        self.env = env
        self.evaluator = evaluator

    def __reduce__(self):
        raise TypeError("closures are not kept across phases")

    def __repr__(self) -> str:
        return f"Closure({self.name})"


class Builtin:
    """A procedure guixml implements in Python (``fn(evaluator, args)``)."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn) -> None:
        self.name = name
        self.fn = fn

    def __reduce__(self):
        return (_builtin_by_name, (self.name,))

    def __repr__(self) -> str:
        return f"Builtin({self.name})"


#: Every builtin procedure by name, filled by :mod:`guixml.evaluate.builtins`
#: and :mod:`guixml.evaluate.transforms` when the stage is imported.  It lives
#: here, beside :class:`Builtin`, so that a pickled builtin is found by name
#: without this module importing the modules that fill the table.
BUILTINS: dict[str, Builtin] = {}


def _builtin_by_name(name: str) -> "Builtin":
    return BUILTINS[name]


class MultipleValues:
    """What ``(values A B …)`` returns, for other than one value: taken apart
    by ``call-with-values``, ``receive``, ``let-values``, ``define-values`` and
    SRFI-71 ``let``; lives only inside one evaluation."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __reduce__(self):
        raise TypeError("multiple values are not kept across phases")

    def __repr__(self) -> str:
        return f"#<values {len(self.items)}>"
