"""``syntax-rules`` macros (``define-syntax-rule``, ``define-syntax`` + ``syntax-rules``).

Channels define small macros, such as a series of patches, that package
fields use.  :class:`Macro` expands a use by the first rule whose pattern
matches, substituting pattern variables (with ``...`` repetition) in the
template.  Hygiene is not modelled: templates in package code name global
procedures, which expansion keeps as written.
"""

from __future__ import annotations

from typing import Any

from guixml.scheme.datum import DottedList, List, Symbol, equal
from guixml.evaluate.values import EvalFailure

__all__ = ["Macro", "macro_from_form"]

ELLIPSIS = "..."


class _Seq(list):
    """The values an ellipsis pattern variable matched, one per repetition."""


class Macro:
    """A syntax-rules macro; lives only during one evaluation, like a closure."""

    __slots__ = ("name", "literals", "rules", "module", "_free")

    def __init__(self, name: str, literals: set[str], rules: list[tuple[Any, Any]]) -> None:
        self.name = name
        self.literals = literals
        self.rules = rules
        #: The module that defines the macro, when known (set by the evaluator).
        self.module: str | None = None
        self._free: frozenset[str] | None = None

    def free_names(self) -> frozenset[str]:
        """The names its templates write that are no pattern variable."""
        if self._free is None:
            names: set[str] = set()
            for pattern, template in self.rules:
                bound = set(_variables(pattern, self.literals))
                names.update(n for n in _symbols(template) if n not in bound)
            names.discard(ELLIPSIS)
            self._free = frozenset(names)
        return self._free

    def __reduce__(self):
        raise TypeError("macros are not kept across phases")

    def __repr__(self) -> str:
        return f"Macro({self.name})"

    def expand(self, form: List) -> Any:
        for pattern, template in self.rules:
            bindings: dict = {}
            if self._match(_rest(pattern), List(form[1:]), bindings):
                return _expand(template, bindings, form)
        raise EvalFailure("macro-no-rule", self.name)

    def _match(self, pat: Any, form: Any, b: dict) -> bool:
        t = type(pat)
        if t is Symbol:
            name = str(pat)
            if name in self.literals:
                return type(form) is Symbol and str(form) == name
            if name != "_":
                b[name] = form
            return True
        if t is List:
            if not isinstance(form, list):
                return False
            i = next((k for k in range(len(pat) - 1)
                      if type(pat[k + 1]) is Symbol and str(pat[k + 1]) == ELLIPSIS), None)
            if i is None:
                return len(pat) == len(form) and all(
                    self._match(p, f, b) for p, f in zip(pat, form))
            before, repeated, after = pat[:i], pat[i], pat[i + 2:]
            n = len(form) - len(before) - len(after)
            if n < 0:
                return False
            if not all(self._match(p, f, b) for p, f in zip(before, form)):
                return False
            if not all(self._match(p, f, b) for p, f in zip(after, form[len(form) - len(after):])):
                return False
            subs = []
            for f in form[len(before):len(before) + n]:
                sub: dict = {}
                if not self._match(repeated, f, sub):
                    return False
                subs.append(sub)
            for var in _variables(repeated, self.literals):
                b[var] = _Seq(sub.get(var) for sub in subs)
            return True
        if t is DottedList:
            if not isinstance(form, list) or len(form) < len(pat.items):
                return False
            n = len(pat.items)
            if not all(self._match(p, f, b) for p, f in zip(pat.items, form)):
                return False
            return self._match(pat.tail, List(form[n:]), b)
        return equal(pat, form)


def _rest(pattern: Any) -> Any:
    if type(pattern) is List:
        return List(pattern[1:])
    if type(pattern) is DottedList:
        items = pattern.items[1:]
        return DottedList(items, pattern.tail) if items else pattern.tail
    raise EvalFailure("bad-macro-pattern", repr(pattern)[:60])


def _variables(pat: Any, literals: set[str]) -> list[str]:
    t = type(pat)
    if t is Symbol:
        name = str(pat)
        return [] if name in literals or name in ("_", ELLIPSIS) else [name]
    if t is List:
        return [v for p in pat for v in _variables(p, literals)]
    if t is DottedList:
        return [v for p in pat.items for v in _variables(p, literals)] + \
            _variables(pat.tail, literals)
    return []


def _symbols(form: Any) -> list[str]:
    t = type(form)
    if t is Symbol:
        return [str(form)]
    if t is List:
        return [n for x in form for n in _symbols(x)]
    if t is DottedList:
        return [n for x in form.items for n in _symbols(x)] + _symbols(form.tail)
    return []


def _expand(tmpl: Any, b: dict, use: List) -> Any:
    t = type(tmpl)
    if t is Symbol:
        return b.get(str(tmpl), tmpl)
    if t is List:
        out: list = []
        k = 0
        while k < len(tmpl):
            item = tmpl[k]
            if k + 1 < len(tmpl) and type(tmpl[k + 1]) is Symbol and str(tmpl[k + 1]) == ELLIPSIS:
                seqs = {v: b[v] for v in _variables(item, set()) if isinstance(b.get(v), _Seq)}
                if not seqs:
                    raise EvalFailure("bad-macro-template", "ellipsis without variable")
                n = min(len(s) for s in seqs.values())
                for r in range(n):
                    b2 = dict(b)
                    for v, s in seqs.items():
                        b2[v] = s[r]
                    out.append(_expand(item, b2, use))
                k += 2
                continue
            out.append(_expand(item, b, use))
            k += 1
        return List(out, use.source, use.start, use.end)
    if t is DottedList:
        items = _expand(List(tmpl.items), b, use)
        tail = _expand(tmpl.tail, b, use)
        if isinstance(tail, list):
            return List(list(items) + list(tail), use.source, use.start, use.end)
        return DottedList(items, tail, use.source, use.start, use.end)
    return tmpl


def macro_from_form(form: List) -> Macro:
    """The macro a ``define-syntax-rule`` or ``(define-syntax n (syntax-rules …))`` form defines."""
    head = str(form[0])
    if head == "define-syntax-rule" and len(form) >= 3 and type(form[1]) in (List, DottedList):
        target = form[1]
        name = str(target[0] if type(target) is List else target.items[0])
        return Macro(name, set(), [(target, form[-1])])
    if head == "define-syntax" and len(form) == 3 and type(form[2]) is List and form[2] \
            and type(form[2][0]) is Symbol and str(form[2][0]) == "syntax-rules":
        rules_form = form[2]
        literals = {str(s) for s in rules_form[1] if type(s) is Symbol} \
            if type(rules_form[1]) is List else set()
        rules = []
        for rule in rules_form[2:]:
            if type(rule) is List and len(rule) >= 2 and type(rule[-1]) is not str:
                rules.append((rule[0], rule[-1]))
            elif type(rule) is List and len(rule) == 2:
                rules.append((rule[0], rule[1]))
        return Macro(str(form[1]), literals, rules)
    raise EvalFailure("macro-definition", str(form[1])[:60])
