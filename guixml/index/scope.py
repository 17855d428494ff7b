"""The channel-wide scope of one module (:class:`ChannelScope`), in a module
of its own so that it is compiled with the evaluator it subclasses (a class
Python interprets cannot inherit from a compiled one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from guixml.evaluate.interpreter import BUILTINS, Evaluator, Scope
from guixml.evaluate.summary import ModuleSummary
from guixml.evaluate.values import GlobalRef

if TYPE_CHECKING:
    from guixml.index.channel import ChannelIndex

__all__ = ["ChannelScope"]

_UNSET = object()


class ChannelScope(Scope):
    """The channel-wide view of one module: every reference can be resolved."""

    resolve_calls = True

    def __init__(self, index: ChannelIndex, summary: ModuleSummary) -> None:
        self.index = index
        self.summary = summary
        self.module = summary.name
        self.file = summary.file
        self.evaluator = Evaluator(self)

    def lookup(self, name: str) -> Any:
        if name in self.summary.defs:
            return GlobalRef(self.module, name)
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return builtin
        return GlobalRef(self.module, name)

    def defines(self, ref: GlobalRef) -> bool:
        return True

    def force_ref(self, ref: GlobalRef) -> Any:
        # What a reference names never changes once found: remember it (linking
        # forces the same references of a module again and again).
        forced = self.index._forced
        key = (ref.module, ref.name, ref.direct)
        value = forced.get(key, _UNSET)
        if value is _UNSET:
            value = forced[key] = self.index.value_of(ref)
        return value

    def macro(self, ref: GlobalRef) -> Any:
        where = self.index.resolve(ref)
        if where is None:
            return None
        summary = self.index.summary(where[0])
        if summary is None or summary.defs[where[1]].kind not in ("syntax", "record-syntax"):
            return None
        return self.index.definition_value(*where)

    def package_by_name(self, name: str) -> Any:
        return self.index.package_value_by_name(name)

    def packages_named(self, name: str) -> list:
        return self.index.package_values_named(name)

    def template_names(self, macro: Any) -> dict:
        """The names MACRO's template takes from the module that defines it,
        where this module does not bind them (Guile's hygiene: ``modify-phases``
        expands to ``%modify-phases``, which (guix build utils) does not
        export), as GlobalRefs into that module."""
        module = getattr(macro, "module", None)
        if module is None or module == self.module:
            return {}
        key = (module, macro.name, self.module)
        table = self.index._macro_names
        names = table.get(key)
        if names is None:
            found: dict[str, Any] = {}
            for name in macro.free_names():
                if name in BUILTINS or name in self.summary.defs:
                    continue
                if self.index.resolve(GlobalRef(self.module, name)) is not None:
                    continue
                if self.index.resolve(GlobalRef(module, name)) is not None:
                    found[name] = GlobalRef(module, name)
            names = table[key] = found
        return names
