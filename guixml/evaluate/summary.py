"""Per-file phase of the channel index: read one module and evaluate what it can alone.

:func:`summarize_source` reads a module's text, records its ``define-module``
clauses (imports, exports) and every top-level definition with its source
span, and evaluates each definition as far as the module alone allows
(:class:`FileScope`).  The resulting :class:`ModuleSummary` is plain,
picklable data: it is what worker processes send back and what the cache
stores.  Definitions that need another module's values are marked
``deferred`` and evaluated again by the channel phase (:mod:`guixml.index.channel`).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from guixml.scheme.datum import DottedList, Keyword, List, Symbol, sym
from guixml.evaluate.budget import BudgetExceeded
from guixml.evaluate.builtins import enter_definition, leave_definition
from guixml.errors import GuixmlError
from guixml.evaluate.interpreter import BUILTINS, Env, Evaluator, Scope, _position
from guixml.evaluate.model import Import
from guixml.evaluate.values import (Builtin, Call, Closure, EvalFailure, GlobalRef, InputItem, NeedGlobal,
                           OriginValue, PackageValue, Promise, Record, Unknown)

__all__ = ["ModuleSummary", "Definition", "summarize_source", "parse_define_module",
           "module_name_text", "FileScope", "definition_forms"]

DEFINERS = frozenset({"define", "define-public", "define*", "define*-public"})


#: The slots of a Definition, in the order of its pickled state (named here,
#: not read through the class: compiled classes have no __slots__ to read).
_DEFINITION_SLOTS = ("name", "public", "kind", "line", "column", "start", "end", "status",
                     "value", "error", "generator", "alias_of")


class Definition:
    """One top-level binding of a module."""

    __slots__ = _DEFINITION_SLOTS

    def __init__(self, name: str, public: bool, kind: str, line: int, column: int,
                 start: int, end: int) -> None:
        self.name = name
        self.public = public
        self.kind = kind            # "value", "procedure", "syntax", "deprecated-package"
        self.line = line
        self.column = column
        self.start = start
        self.end = end
        self.status = "pending"     # "value", "deferred", "error", "procedure", "pending"
        self.value: Any = None
        self.error: tuple[str, str] | None = None
        self.generator: str | None = None
        self.alias_of: str | None = None

    def __getstate__(self):
        return _definition_state(self)

    def __setstate__(self, state):
        (self.name, self.public, self.kind, self.line, self.column, self.start, self.end,
         self.status, self.value, self.error, self.generator, self.alias_of) = state

    def __reduce__(self):
        # Rebuilt through a function: a compiled class's __new__ runs __init__.
        return (_definition_from_state, (_definition_state(self),))

    def __repr__(self) -> str:
        return f"Definition({self.name}, {self.kind}, {self.status})"


#: The pickled state of a Definition: its slots in order (read in C, once per definition).
_definition_state = attrgetter(*_DEFINITION_SLOTS)


def _definition_from_state(state: tuple) -> Definition:
    d = Definition(*state[:7])
    d.__setstate__(state)
    return d


#: The slots of a ModuleSummary, in the order of its pickled state.
_SUMMARY_SLOTS = ("name", "file", "imports", "exports", "defs", "errors", "has_module")


class ModuleSummary:
    """What one file defines, imports and exports, with per-file evaluated values."""

    __slots__ = _SUMMARY_SLOTS

    def __init__(self, name: str, file: str) -> None:
        self.name = name
        self.file = file
        self.imports: list[Import] = []
        self.exports: set[str] = set()
        self.defs: dict[str, Definition] = {}
        self.errors: list[str] = []
        self.has_module = False

    def __getstate__(self):
        # The exports are a set: pickled in sorted order, so that a summary
        # gives the same bytes whatever the process's PYTHONHASHSEED.
        return tuple(sorted(self.exports) if s == "exports" else getattr(self, s)
                     for s in _SUMMARY_SLOTS)

    def __setstate__(self, state):
        for s, v in zip(_SUMMARY_SLOTS, state):
            setattr(self, s, set(v) if s == "exports" else v)

    def __reduce__(self):
        return (_summary_from_state, (self.__getstate__(),))

    def is_exported(self, name: str) -> bool:
        d = self.defs.get(name)
        return name in self.exports or (d is not None and d.public)


def _summary_from_state(state: tuple) -> ModuleSummary:
    summary = ModuleSummary(state[0], state[1])
    summary.__setstate__(state)
    return summary


def module_name_text(parts: Any) -> str:
    return "(" + " ".join(str(p) for p in parts) + ")"


def parse_define_module(form: List, summary: ModuleSummary) -> None:
    """Fill SUMMARY's name, imports and exports from a ``define-module`` form."""
    if len(form) < 2 or type(form[1]) is not List:
        return
    summary.name = module_name_text(form[1])
    summary.has_module = True
    items = form[2:]
    i = 0
    while i < len(items):
        option = items[i]
        value = items[i + 1] if i + 1 < len(items) else None
        i += 2
        if type(option) is not Keyword or value is None:
            i -= 1
            continue
        option = str(option)
        if option in ("use-module", "autoload"):
            if option == "autoload":
                names = items[i] if i < len(items) else List()
                i += 1
                if type(value) is List and type(names) is List:
                    select = tuple((str(n), str(n)) for n in names if type(n) is Symbol)
                    summary.imports.append(Import(module_name_text(value), select=select))
                continue
            imp = _parse_import(value)
            if imp is not None:
                summary.imports.append(imp)
        elif option in ("export", "re-export", "export-syntax", "replace", "re-export-syntax"):
            if type(value) is List:
                for name in value:
                    if type(name) is Symbol:
                        summary.exports.add(str(name))
                    elif type(name) is DottedList and type(name.tail) is Symbol:
                        summary.exports.add(str(name.tail))


def _parse_import(spec: Any) -> Import | None:
    if type(spec) is not List or not spec:
        return None
    if type(spec[0]) is Symbol:
        return Import(module_name_text(spec))
    if type(spec[0]) is not List:
        return None
    module = module_name_text(spec[0])
    select = None
    hide: tuple[str, ...] = ()
    prefix = None
    rest = spec[1:]
    for j in range(0, len(rest) - 1, 2):
        key, val = rest[j], rest[j + 1]
        if key == Keyword("select") and type(val) is List:
            pairs = []
            for s in val:
                if type(s) is Symbol:
                    pairs.append((str(s), str(s)))
                elif type(s) is DottedList and len(s.items) == 1:
                    pairs.append((str(s.items[0]), str(s.tail)))
            select = tuple(pairs)
        elif key == Keyword("hide") and type(val) is List:
            hide = tuple(str(s) for s in val)
        elif key == Keyword("prefix"):
            prefix = str(val)
        elif key == Keyword("renamer"):
            # (symbol-prefix-proc 'foo:) is the common renamer.
            if type(val) is List and len(val) == 2 and str(val[0]) == "symbol-prefix-proc":
                quoted = val[1]
                if type(quoted) is List and len(quoted) == 2:
                    prefix = str(quoted[1])
    return Import(module, select=select, hide=hide, prefix=prefix)


def definition_forms(form: Any, summary: ModuleSummary) -> list[tuple[str, bool, str, Any]]:
    """The (name, public, kind, expression-or-form) bindings a top-level FORM makes."""
    if type(form) is not List or not form or type(form[0]) is not Symbol:
        return []
    head = str(form[0])
    if head in DEFINERS and len(form) >= 2:
        public = head.endswith("-public")
        target = form[1]
        if type(target) is Symbol:
            if len(form) > 3:
                # (define-public x (define base …) … EXPR): a body with internal
                # definitions, as (let () …) evaluates it.
                body = List([sym("let"), List([]), *form[2:]], form.source, form.start, form.end)
                return [(str(target), public, "value", body)]
            return [(str(target), public, "value", form[2] if len(form) > 2 else False)]
        if type(target) is List and target and type(target[0]) is Symbol:
            return [(str(target[0]), public, "procedure", form)]
        if type(target) is DottedList and type(target.items[0]) is Symbol:
            return [(str(target.items[0]), public, "procedure", form)]
        return []
    if head == "define-syntax" and len(form) == 3 and type(form[1]) is Symbol \
            and type(form[2]) is List and len(form[2]) == 2 and type(form[2][0]) is Symbol \
            and str(form[2][0]) == "identifier-syntax":
        # (define-syntax pkg-config (identifier-syntax EXPR)): a variable computed by EXPR.
        return [(str(form[1]), False, "value", form[2][1])]
    if head in ("define-syntax", "define-syntax-rule") and len(form) >= 2:
        target = form[1]
        name = target[0] if type(target) is List and target else target
        return [(str(name), False, "syntax", form)]
    if head == "define-deprecated-package" and len(form) in (3, 4):
        old = str(form[1])
        return [(f"%{old}/deprecated", True, "deprecated-package", form),
                (old, True, "alias", f"%{old}/deprecated")]
    if head in ("define-deprecated", "define-deprecated/public") and len(form) >= 3:
        public = head.endswith("/public")
        target = form[1]
        if type(target) is Symbol:
            expr = form[3] if len(form) > 3 else form[2]
            return [(str(target), public, "value", expr)]
        return []
    if head in ("define-deprecated/alias", "define-deprecated/public-alias") \
            and len(form) == 3 and type(form[1]) is Symbol:
        # (guix deprecation): OLD stands for the expression NEW, with a warning.
        return [(str(form[1]), head.endswith("public-alias"), "value", form[2])]
    if head == "define-record-type" and len(form) >= 4 and type(form[2]) is List:
        names = [str(form[2][0]), str(form[3])]
        for spec in form[4:]:
            if type(spec) is List:
                names.extend(str(x) for x in spec[1:] if type(x) is Symbol)
        return [(n, False, "record-procedure", form) for n in names]
    if head == "define-record-type*" and len(form) >= 5:
        out = [(str(form[2]), False, "record-syntax", form)]
        for spec in form[4:]:
            if type(spec) is List and len(spec) >= 2 and type(spec[1]) is Symbol:
                out.append((str(spec[1]), False, "record-procedure", form))
        return out
    if head == "export":
        summary.exports.update(str(s) for s in form[1:] if type(s) is Symbol)
    return []


class FileScope(Scope):
    """The per-file view: top-level names of this module, evaluated lazily on demand."""

    resolve_calls = False

    def __init__(self, summary: ModuleSummary, exprs: dict[str, Any]) -> None:
        self.summary = summary
        self.module = summary.name
        self.file = summary.file
        self.exprs = exprs
        self.evaluator = Evaluator(self)
        self.live: dict[str, Any] = {}
        self.in_progress: set[str] = set()
        self.names: dict[str, Any] = {}  # name -> what lookup gives

    def lookup(self, name: str) -> Any:
        # One reference object per name: the summary's pickle then writes each
        # once (pickle shares identical objects), not once per use, and
        # unpickling it builds one object instead of hundreds.
        found = self.names.get(name)
        if found is None:
            if name in self.summary.defs:
                found = GlobalRef(self.module, name)
            else:
                found = BUILTINS.get(name) or GlobalRef(self.module, name)
            self.names[name] = found
        return found

    def defines(self, ref: GlobalRef) -> bool:
        return ref.module == self.module and ref.name in self.summary.defs

    def macro(self, ref: GlobalRef) -> Any:
        d = self.summary.defs.get(ref.name) if ref.module == self.module else None
        if d is None or d.kind not in ("syntax", "record-syntax"):
            return None
        return self.value(ref.name)

    def force_ref(self, ref: GlobalRef) -> Any:
        if not self.defines(ref):
            raise NeedGlobal(ref.name)
        return self.value(ref.name)

    def value(self, name: str) -> Any:
        if name in self.live:
            return self.live[name]
        d = self.summary.defs[name]
        if d.status == "deferred":
            raise NeedGlobal(name)
        if d.status == "error":
            assert d.error is not None
            raise EvalFailure(*d.error)
        if name in self.in_progress:
            raise NeedGlobal(name)
        self.in_progress.add(name)
        try:
            value = evaluate_definition(self.evaluator, d, self.exprs[name])
        except NeedGlobal:
            d.status = "deferred"
            raise
        except EvalFailure as failure:
            d.status = "error"
            d.error = (failure.kind, failure.detail[:200])
            raise
        except RecursionError:
            d.status = "error"
            d.error = ("recursion-too-deep", name)
            raise EvalFailure("recursion-too-deep", name)
        finally:
            self.in_progress.discard(name)
        self.live[name] = value
        if d.kind in ("procedure", "syntax", "record-procedure", "record-syntax"):
            d.status = "procedure"
        elif _storable(value):
            d.status = "value"
            d.value = value
        else:
            d.status = "deferred"
        return value


def evaluate_definition(ev: Evaluator, d: Definition, expr: Any) -> Any:
    """The value of definition D whose expression (or whole form) is EXPR."""
    enter_definition(f"{d.name} {ev.scope.module}")
    try:
        return _evaluate_definition(ev, d, expr)
    except BudgetExceeded as exceeded:  # this definition's, not the one that needs it
        raise EvalFailure("budget-exceeded", exceeded.what) from None
    finally:
        leave_definition()


def _evaluate_definition(ev: Evaluator, d: Definition, expr: Any) -> Any:
    env = Env({})
    if d.kind == "procedure":
        return ev.definition(expr, env)[1]
    if d.kind == "alias":
        return GlobalRef(ev.scope.module, expr)
    if d.kind == "deprecated-package":
        old_name = str(expr[2]) if len(expr) == 4 else str(expr[1])
        if len(expr) == 4:
            old_name = ev.string(ev.eval(expr[2], env))
        target = ev.eval(expr[-1], env)
        pkg = PackageValue({"name": old_name}, target)
        pkg.superseded = target
        return pkg
    if d.kind == "syntax":
        from guixml.evaluate.macros import macro_from_form
        macro = macro_from_form(expr)
        macro.module = ev.scope.module
        return macro
    if d.kind == "record-procedure" and str(expr[0]) == "define-record-type*":
        return guix_record_accessor(expr, d.name)
    if d.kind == "record-procedure":
        return record_procedure(expr, d.name)
    if d.kind == "record-syntax":
        return GuixRecordSyntax(expr)
    value = ev.eval(expr, env)
    if type(value) is PackageValue and value.generator is None and type(expr) is List \
            and expr and type(expr[0]) is Symbol and str(expr[0]) not in (
                "package", "package/inherit", "let", "let*", "hidden-package"):
        value.generator = str(expr[0])
    return value


class GuixRecordSyntax:
    """The constructor syntax of a ``define-record-type*`` (Guix records): fields with defaults."""

    __slots__ = ("type", "defaults")

    def __init__(self, form: List) -> None:
        self.type = str(form[1])
        self.defaults: dict[str, Any] = {}
        for spec in form[4:]:
            if type(spec) is not List or not spec:
                continue
            for option in spec[2:]:
                if type(option) is List and len(option) == 2 and str(option[0]) == "default":
                    self.defaults[str(spec[0])] = option[1]

    def __reduce__(self):
        raise TypeError("record syntax is not kept across phases")

    def __repr__(self) -> str:
        return f"GuixRecordSyntax({self.type})"

    def evaluate(self, ev: Evaluator, form: List, env: Env) -> Record:
        fields: dict[str, Any] = {}
        written = {str(c[0]) for c in form[1:] if type(c) is List and c}
        for name, expr in self.defaults.items():
            if name not in written:
                try:
                    fields[name] = ev.eval(expr, env)
                except EvalFailure:
                    fields[name] = False
        for clause in form[1:]:
            if type(clause) is not List or len(clause) != 2 or type(clause[0]) is not Symbol:
                raise EvalFailure("bad-record-field", repr(clause)[:60])
            name = str(clause[0])
            if name == "inherit":
                parent = ev.force(ev.eval(clause[1], env))
                if type(parent) is Record:
                    fields = {**parent.fields, **{k: v for k, v in fields.items()
                                                  if k in written}}
                continue
            value = ev.eval(clause[1], env)
            fields[name] = value
            env = Env({name: value}, env)
        return Record(self.type, fields)

    def from_calls(self, ev: Evaluator, args: list) -> Record:
        """The record a use gives that the per-file phase took for a call
        (the syntax was another module's): each argument is then the residual
        call ``(FIELD VALUE)`` with VALUE evaluated; anything else is syntax
        reached as a value."""
        clauses = []
        for arg in args:
            if type(arg) is not Call or type(arg.fn) is not GlobalRef or arg.fn.direct \
                    or len(arg.args) != 1:
                raise EvalFailure("syntax-as-value", self.type)
            value = arg.args[0]
            # Guix records evaluate their fields when built: a residual call
            # of the per-file phase is made now.
            clauses.append((arg.fn.name, ev.force(value) if type(value) is Call else value))
        written = {name for name, _ in clauses}
        fields: dict[str, Any] = {}
        for name, expr in self.defaults.items():
            if name not in written:
                try:
                    fields[name] = ev.eval(expr, Env({}))
                except EvalFailure:
                    fields[name] = False
        for name, value in clauses:
            if name == "inherit":
                parent = ev.force(value)
                if type(parent) is Record:
                    fields = {**parent.fields, **{k: v for k, v in fields.items()
                                                  if k in written}}
                continue
            fields[name] = value
        return Record(self.type, fields)


def guix_record_accessor(form: List, name: str) -> Builtin:
    type_name = str(form[1])
    for spec in form[4:]:
        if type(spec) is List and len(spec) >= 2 and str(spec[1]) == name:
            field = str(spec[0])

            def access(ev, args, field=field):
                record = ev.force(args[0])
                if type(record) is not Record or record.type != type_name:
                    raise EvalFailure("not-a-record", name)
                return record.fields.get(field, False)
            return Builtin(name, access)
    raise EvalFailure("record-procedure", name)


def record_procedure(form: List, name: str) -> Builtin:
    """Procedure NAME of an SRFI-9 ``define-record-type`` FORM, over :class:`Record` values."""
    type_name = str(form[1])
    ctor = form[2]
    fields_of_ctor = [str(x) for x in ctor[1:]]
    if name == str(ctor[0]):
        def construct(ev, args):
            if len(args) != len(fields_of_ctor):
                raise EvalFailure("bad-arguments", name)
            return Record(type_name, dict(zip(fields_of_ctor, args)))
        return Builtin(name, construct)
    if name == str(form[3]):
        return Builtin(name, lambda ev, args: type(ev.force(args[0])) is Record
                       and ev.force(args[0]).type == type_name)
    return guix_record_accessor(form, name)


#: Values that hold nothing else: storable as they are (the common case, checked first).
_LEAVES = frozenset({str, GlobalRef, int, bool, Keyword, Symbol, Unknown, type(None)})


def _storable(value: Any, depth: int = 0) -> bool:
    """Whether VALUE can leave this evaluation (no closures inside)."""
    if depth > 60:
        return False
    t = type(value)
    if t in _LEAVES:
        return True
    if t is Closure:
        return False
    if t is Builtin:
        return BUILTINS.get(value.name) is value
    if t is list or t is List:
        return _all_storable(value, depth + 1)
    if t is PackageValue or t is OriginValue:
        return (_storable(value.parent, depth + 1)
                and _all_storable(value.fields.values(), depth + 1))
    if t is InputItem:
        return _storable(value.thing, depth + 1) and _storable(value.output, depth + 1)
    if t is Call:
        return _storable(value.fn, depth + 1) and _all_storable(value.args, depth + 1)
    if t is Record:
        return _all_storable(value.fields.values(), depth + 1)
    if t is Promise:
        return _storable(value.value, depth + 1)
    if t is DottedList:
        return _all_storable(value.items, depth + 1) and _storable(value.tail)
    return True


def _all_storable(values: Any, depth: int) -> bool:
    """``all(_storable(v, DEPTH) for v in VALUES)``, without a call per leaf."""
    if depth > 60:
        return not values
    leaves = _LEAVES
    for v in values:
        t = type(v)
        if t in leaves:
            continue
        if t is InputItem and depth < 60 and type(v.thing) in leaves \
                and type(v.output) in leaves:
            continue  # an input naming a variable: most of what is checked
        if not _storable(v, depth):
            return False
    return True


def summarize_source(text: str, file: str, default_name: str) -> ModuleSummary:
    """Read and evaluate one module's TEXT (FILE as given to the user)."""
    from guixml.scheme.reader import read_string

    summary = ModuleSummary(default_name, file)
    try:
        forms = read_string(text, file)
    except GuixmlError as error:
        summary.errors.append(str(error).splitlines()[0])
        return summary
    exprs: dict[str, Any] = {}
    macros: dict[str, Any] = {}
    for top in forms:
        if type(top) is List and top and type(top[0]) is Symbol \
                and str(top[0]) == "define-module":
            parse_define_module(top, summary)
            continue
        for form in toplevel_forms(top, macros):
            _record_definitions(form, summary, exprs)
    return _continue(summary, exprs)


def _record_definitions(form: Any, summary: ModuleSummary, exprs: dict[str, Any]) -> None:
    for name, public, kind, expr in definition_forms(form, summary):
        line, column = _position(form)
        d = Definition(name, public, kind, line, column, form.start, form.end)
        if name in summary.defs and summary.defs[name].public:
            d.public = True
        summary.defs[name] = d
        exprs[name] = expr


def toplevel_forms(form: Any, macros: dict[str, Any], depth: int = 0) -> list:
    """FORM, or the top-level forms its expansion by the module's macros gives.

    Records each syntax-rules macro the module defines in MACROS as it goes, so
    that forms such as ``(define-public-lua-variants …)`` define what they expand to.
    """
    if type(form) is not List or not form or type(form[0]) is not Symbol or depth > 20:
        return [form]
    head = str(form[0])
    if head in ("define-syntax", "define-syntax-rule") and len(form) >= 3:
        from guixml.evaluate.macros import macro_from_form
        try:
            macro = macro_from_form(form)
            macros[macro.name] = macro
        except (EvalFailure, IndexError, TypeError):
            pass
        return [form]
    if head == "begin":
        return [f for sub in form[1:] for f in toplevel_forms(sub, macros, depth + 1)]
    found = macros.get(head)
    if found is None or head in DEFINERS:
        return [form]
    try:
        expanded = found.expand(form)
    except EvalFailure:
        return [form]
    return toplevel_forms(expanded, macros, depth + 1)


def _continue(summary: ModuleSummary, exprs: dict[str, Any]) -> ModuleSummary:
    scope = FileScope(summary, exprs)
    for name, d in summary.defs.items():
        if d.status != "pending":
            continue
        try:
            scope.value(name)
        except (NeedGlobal, EvalFailure):
            pass
    for d in summary.defs.values():
        if d.status == "procedure":
            d.value = None
        elif d.kind == "syntax" and d.status == "error":
            d.status, d.value = "procedure", None
    return summary
