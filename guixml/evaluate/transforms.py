"""Package transformations Guix defines outside a channel, modelled from data.

``(sbcl-package->cl-source-package sbcl-foo)`` and its kin (see
``[transformers]`` in ``guixml/data/evaluation.toml``) rename a package by
prefix, rewrite its inputs recursively (an input whose transformed name is
already a package of the channel is replaced by that package), and honour a
variant the package names in its properties.  The transformed package is
computed lazily, when a field of it is first needed.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from guixml.evaluate import fields
import guixml.evaluate.builtins  # noqa: F401  (fills BUILTINS first)
from guixml.scheme.datum import DottedList
from guixml.evaluate.values import BUILTINS, Builtin
from guixml.evaluate.values import EvalFailure, InputItem, PackageValue

_DATA = tomllib.loads(files("guixml").joinpath("data/evaluation.toml").read_text("utf-8"))
TRANSFORMERS: dict[str, dict] = _DATA.get("transformers", {})


def _make(name: str):
    spec = TRANSFORMERS[name]

    def fn(ev, args):
        if len(args) != 1:
            raise EvalFailure("bad-arguments", name)
        pkg = PackageValue({}, args[0])
        # The last item: PKG is the one the transformer was called on, whose
        # variant property Guix strips first (strip-variant-as-necessary of
        # (guix build-system asdf)); inputs rewritten below honour theirs.
        pkg.transform = (spec["from-build-system"], spec["from-prefix"], spec["to-prefix"],
                         spec["variant-property"], spec["target-is-source"], True)
        return pkg
    return fn


for _name in TRANSFORMERS:
    BUILTINS[_name] = Builtin(_name, _make(_name))

_memo: dict[tuple[int, tuple], Any] = {}


def _new_name(name: str, frm: str, to: str) -> str:
    if name.startswith(frm):
        rest = name[len(frm):]
        return rest if rest.startswith(to) else to + rest
    return name


def apply_transform(ev, pv: PackageValue) -> Any:
    from_bs, frm, to, variant, to_source, root = pv.transform
    original = ev.force(pv.parent)
    if type(original) is not PackageValue:
        raise EvalFailure("not-a-package", "transform")
    key = (id(original), pv.transform)
    if key in _memo and _memo[key][0] is original:
        return _memo[key][1]
    props = ev.force(fields.field_value(ev, original, "properties", []))
    if isinstance(props, list) and not root:
        for entry in props:
            if type(entry) is DottedList and len(entry.items) == 1 \
                    and str(entry.items[0]) == variant:
                result = ev.force(entry.tail)
                _memo[key] = (original, result)
                return result

    def from_bs_p(thing) -> bool:
        t = ev.force(thing)
        return type(t) is PackageValue and \
            fields.field_value(ev, t, "build-system") == from_bs

    if not from_bs_p(original):
        _memo[key] = (original, original)
        return original

    def rewrite(item: InputItem) -> InputItem:
        label = fields.input_label(ev, item)
        thing = ev.force(item.thing)
        if type(thing) is PackageValue:
            name = ev.string(fields.field_value(ev, thing, "name"))
            new_name = _new_name(name, frm, to)
            if new_name != name:
                found = ev.scope.package_by_name(new_name)
                if found is not None:
                    thing = found
                else:
                    t = PackageValue({}, thing)
                    t.transform = pv.transform[:5] + (False,)
                    thing = t
        return InputItem(label, thing, item.output, item.line, item.column)

    def items(field):
        return fields.as_input_items(ev, fields.field_value(ev, original, field, []))

    inputs, native, propagated = items("inputs"), items("native-inputs"), \
        items("propagated-inputs")
    name = ev.string(fields.field_value(ev, original, "name"))
    if to_source:
        new_propagated = [rewrite(i) for i in inputs + native if from_bs_p(i.thing)] + \
            [rewrite(i) for i in propagated]
        new_inputs = [rewrite(i) for i in inputs if not from_bs_p(i.thing)]
        new_native = [InputItem(name, original)] + \
            [rewrite(i) for i in native if not from_bs_p(i.thing)]
    else:
        new_propagated = [rewrite(i) for i in propagated]
        new_inputs = [rewrite(i) for i in inputs]
        new_native = [rewrite(i) for i in native]
    result = PackageValue({"name": _new_name(name, frm, to), "inputs": new_inputs,
                           "native-inputs": new_native, "propagated-inputs": new_propagated},
                          original, original.line, original.column, original.file)
    _memo[key] = (original, result)
    return result


fields.register_transform(apply_transform)
