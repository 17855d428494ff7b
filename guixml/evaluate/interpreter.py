"""Static evaluation of Guix package code, without running Guile.

An :class:`Evaluator` evaluates the subset of Scheme that Guix package
definitions are written in: literals, ``quote``/``quasiquote``, ``let``
forms, ``if``/``cond``/``and``/``or``, procedures written in the channel
(``define``/``lambda``/``define*`` with ``#:optional`` and ``#:key``), string
procedures, and Guix's own record syntax (``package``, ``origin``,
``git-reference``…), ``modify-inputs``, ``this-package-input``, ``(@ …)``.

It evaluates only what the package model needs: a package's ``arguments``,
``snippet`` and other build-side code are recorded by source span, never
evaluated.  What it cannot evaluate becomes an :class:`~guixml.evaluate.values.Unknown`
(kept raw and reported), never a guess.

Variables are looked up through a *scope* (see :class:`Scope`), which knows
the module's top-level definitions and how far the current phase may see:
per file, references to other modules stay :class:`~guixml.evaluate.values.GlobalRef`
and forcing one raises :class:`~guixml.evaluate.values.NeedGlobal`; the channel phase
resolves them (:mod:`guixml.index.channel`).
"""

from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction
from typing import Any, Callable

from guixml.scheme.datum import (BigNumber, Char, DottedList, Keyword, List, Source, Symbol,
                                 Vector)
from guixml.evaluate.budget import BudgetExceeded, check_arguments, check_result, spend
from guixml.evaluate.fields import (MAX_DEPTH, _short, _unlabelled, as_input_items, field_value,
                                    input_label)
from guixml.evaluate.transforms import apply_transform  # noqa: F401  (registers the transformers)
from guixml.evaluate.values import (BUILTINS, Builtin, Call, Closure, EvalFailure, GlobalRef, InputItem,
                           MultipleValues, NeedGlobal, OriginValue, PackageValue, Promise,
                           Record, Unknown)

__all__ = ["Evaluator", "Scope", "Env", "BUILTINS", "strip", "input_label", "field_value",
           "EvalFailure", "NeedGlobal"]

#: Package fields whose values static evaluation computes; others keep a source span.
EVALUATED_PACKAGE_FIELDS = frozenset({
    "name", "version", "source", "inputs", "native-inputs", "propagated-inputs",
    "license", "properties", "home-page", "synopsis", "description", "outputs",
    "supported-systems",
})
INPUT_FIELD_NAMES = ("inputs", "native-inputs", "propagated-inputs")
#: Thunked package fields: inside (package (inherit p) (F …)), F names p's value.
THUNKED_FIELDS = frozenset({"arguments", "inputs", "native-inputs", "propagated-inputs",
                            "replacement"})
ORIGIN_EVALUATED = frozenset({"method", "uri", "sha256", "hash", "file-name", "patches"})
#: Record macros evaluated field by field into a :class:`Record`.
RECORD_TYPES = frozenset({"git-reference", "hg-reference", "svn-reference",
                          "svn-multi-reference", "bzr-reference", "fossil-reference",
                          "cvs-reference", "content-hash", "search-path-specification"})



class Env:
    """A lexical environment: a dict of bindings and the enclosing environment."""

    __slots__ = ("vars", "parent")

    def __init__(self, vars: dict, parent: "Env | None" = None) -> None:
        self.vars = vars
        self.parent = parent

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            found = env.vars.get(name, _MISSING)
            if found is not _MISSING:
                return found
            env = env.parent
        return _MISSING

    def __repr__(self) -> str:
        return f"Env({len(self.vars)} bindings)"


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "Missing"


_MISSING = _Missing()


class LazyField:
    """Inside an inheriting package's thunked field: the parent's value of that field."""

    __slots__ = ("parent", "field")

    def __init__(self, parent: Any, field: str) -> None:
        self.parent = parent
        self.field = field

    def __repr__(self) -> str:
        return f"LazyField({self.field})"


class Scope:
    """What a module sees at top level.  Subclassed by the index for each phase.

    ``lookup(name)`` returns the value of a top-level name (a GlobalRef for
    variables, so nothing is evaluated before it is needed); ``force_ref``
    turns a GlobalRef into its value or raises NeedGlobal; ``may_call`` says
    whether a residual Call may be evaluated now.
    """

    module: str = "(unknown)"
    file: str = ""
    resolve_calls: bool = False

    def lookup(self, name: str) -> Any:
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return builtin
        return GlobalRef(self.module, name)

    def force_ref(self, ref: GlobalRef) -> Any:
        raise NeedGlobal(ref.name)

    def package_by_name(self, name: str) -> Any:
        raise NeedGlobal(name)

    def packages_named(self, name: str) -> list:
        """The public packages of every tree given whose name is NAME."""
        raise NeedGlobal(name)

    def template_names(self, macro: Any) -> dict:
        """The names the template of MACRO (another module's) takes from the
        module that defines it: none per file; see
        :class:`guixml.index.scope.ChannelScope`."""
        return {}


class Evaluator:
    """Evaluates data read from a module within a :class:`Scope`."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.depth = 0

    # -- core -------------------------------------------------------------

    def eval(self, x: Any, env: Env) -> Any:
        t = type(x)
        if t is Symbol:
            return self.lookup(str(x), env, x)
        if t is List:
            if not x:
                raise EvalFailure("empty-application", "()")
            head = x[0]
            if type(head) is Symbol:
                name = str(head)
                special = SPECIAL_FORMS.get(name)
                if special is not None and env.lookup(name) is _MISSING:
                    return special(self, x, env)
                fn = self.lookup(name, env, head)
                tf = type(fn)
                if tf is GlobalRef:
                    macro = self.macro(fn)
                    if macro is not None:
                        if hasattr(macro, "evaluate"):
                            return macro.evaluate(self, x, env)
                        return self.eval(macro.expand(x),
                                         _macro_env(self.scope.template_names(macro), env))
                    if not self.scope.resolve_calls and not self.scope_defines(fn):
                        # Per file, another module's name may be a macro: if its
                        # arguments do not evaluate as such, the channel phase,
                        # which sees that module, decides.
                        try:
                            args = [self.eval(a, env) for a in x[1:]]
                        except EvalFailure:
                            raise NeedGlobal(name) from None
                        return self.apply(fn, args, x)
                elif tf is not Closure and tf is not Builtin:
                    # Record syntax or a macro already resolved (a use a
                    # template of another module wrote): applied as syntax.
                    if hasattr(fn, "evaluate"):
                        return fn.evaluate(self, x, env)
                    if hasattr(fn, "expand"):
                        return self.eval(fn.expand(x), env)
            else:
                fn = self.eval(head, env)
            args = [self.eval(a, env) for a in x[1:]]
            return self.apply(fn, args, x)
        if t is str or t is int or t is bool or t is Keyword or t is Char or t is float \
                or t is Fraction or t is BigNumber:
            return x
        if t is Vector:
            return x
        raise EvalFailure("unsupported-datum", type(x).__name__)

    def lookup(self, name: str, env: Env, where: Any = None) -> Any:
        value = env.lookup(name)
        if value is _MISSING:
            return self.scope.lookup(name)
        if type(value) is LazyField:
            return field_value(self, self.force(value.parent), value.field)
        return value

    def force(self, value: Any) -> Any:
        """The value behind references and residual calls (or NeedGlobal)."""
        t = type(value)
        if t is not GlobalRef and t is not Call and t is not Promise:
            return value  # already a value: most calls
        for _ in range(MAX_DEPTH):
            t = type(value)
            if t is GlobalRef:
                value = self.scope.force_ref(value)
            elif t is Call:
                if not self.scope.resolve_calls:
                    raise NeedGlobal("call")
                value = self.apply(self.force(value.fn), value.args, None)
            elif t is Promise:
                value = value.value
            else:
                return value
        raise EvalFailure("reference-loop")

    def apply(self, fn: Any, args: list, form: Any) -> Any:
        t = type(fn)
        if t is Builtin:
            spend()
            check_arguments(fn.name, args)
            result = fn.fn(self, args)
            check_result(fn.name, result)
            return result
        if t is Closure:
            return self.call_closure(fn, args)
        if t is GlobalRef or t is Call:
            if self.scope.resolve_calls or (t is GlobalRef and self.scope_defines(fn)):
                return self.apply(self.force(fn), args, form)
            line, column = _position(form)
            return Call(fn, args, line, column)
        if t is Unknown:
            raise EvalFailure("unknown-procedure", fn.text)
        if hasattr(fn, "from_calls"):
            # Record syntax of another module, whose use the per-file phase
            # took for a call: its clauses are residual calls.
            return fn.from_calls(self, args)
        if hasattr(fn, "expand") or hasattr(fn, "evaluate"):
            # A macro or record syntax reached as a value: Guile would have
            # expanded it; guixml lost track of it (through another macro …).
            raise EvalFailure("syntax-as-value", getattr(fn, "name", None) or fn.type)
        raise EvalFailure("not-a-procedure", _short(fn))

    def macro(self, ref: GlobalRef) -> Any:
        find = getattr(self.scope, "macro", None)
        if find is None:
            return None
        try:
            return find(ref)
        except NeedGlobal:
            return None
        except EvalFailure as failure:
            if failure.kind == "macro-definition":
                # A macro guixml cannot build (syntax-case …): its uses are
                # that limit, not calls whose arguments fail one by one.
                raise
            return None

    def scope_defines(self, ref: GlobalRef) -> bool:
        defines = getattr(self.scope, "defines", None)
        return defines is not None and defines(ref)

    def call_closure(self, fn: Closure, args: list) -> Any:
        spend()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.depth -= 1  # each enclosing call takes its own back on the way out
            raise BudgetExceeded(f"calls nested deeper than {MAX_DEPTH} ({fn.name or 'lambda'})")
        try:
            bindings: dict = {}
            positional = []
            keywords: dict = {}
            i = 0
            while i < len(args):
                a = args[i]
                if type(a) is Keyword and fn.keys is not None and i + 1 < len(args):
                    keywords[str(a)] = args[i + 1]
                    i += 2
                    continue
                positional.append(a)
                i += 1
            if fn.keys is None and keywords:
                raise EvalFailure("bad-arguments", fn.name or "lambda")
            if len(positional) < len(fn.required):
                raise EvalFailure("too-few-arguments", fn.name or "lambda")
            for name, value in zip(fn.required, positional):
                bindings[name] = value
            rest = positional[len(fn.required):]
            env = Env(bindings, fn.env)
            for name, default in fn.optional:
                if rest:
                    bindings[name] = rest.pop(0)
                else:
                    bindings[name] = fn.evaluator.eval(default, env) if default is not None \
                        else False
            if rest:
                if fn.rest is None:
                    raise EvalFailure("too-many-arguments", fn.name or "lambda")
                bindings[fn.rest] = rest
            elif fn.rest is not None:
                bindings[fn.rest] = []
            for name, default in fn.keys or ():
                if name in keywords:
                    bindings[name] = keywords[name]
                else:
                    bindings[name] = fn.evaluator.eval(default, env) if default is not None \
                        else False
            return fn.evaluator.eval_body(fn.body, env)
        finally:
            self.depth -= 1

    def eval_body(self, body: list, env: Env) -> Any:
        result: Any = None
        local: Env | None = None
        for form in body:
            if type(form) is List and form and type(form[0]) is Symbol \
                    and str(form[0]) in ("define", "define*"):
                if local is None:
                    local = env = Env({}, env)
                name, value = self.definition(form, env)
                local.vars[name] = value
                continue
            if type(form) is List and len(form) == 3 and type(form[0]) is Symbol \
                    and str(form[0]) == "define-values":
                # (define-values FORMALS EXPR) of Guile: internal definitions
                # of the values EXPR returns.
                if local is None:
                    local = env = Env({}, env)
                local.vars.update(_bind_values(form[1], self.eval(form[2], env), form))
                continue
            result = self.eval(form, env)
        return result

    def definition(self, form: List, env: Env) -> tuple[str, Any]:
        """An internal or top-level ``(define …)``: its name and value."""
        if len(form) < 2:
            raise EvalFailure("bad-define", _text(form))
        target = form[1]
        if type(target) is Symbol:
            if len(form) < 3:
                return str(target), False
            return str(target), self.eval(form[2], env)
        if type(target) is List and target and type(target[0]) is Symbol:
            name = str(target[0])
            return name, self.make_closure(name, target[1:], None, form[2:], env)
        if type(target) is DottedList and type(target.items[0]) is Symbol:
            name = str(target.items[0])
            return name, self.make_closure(name, target.items[1:], target.tail, form[2:], env)
        raise EvalFailure("bad-define", _text(form))

    def make_closure(self, name: str | None, formals: list, rest: Any, body: list,
                     env: Env) -> Closure:
        required: list[str] = []
        optional: list[tuple[str, Any]] = []
        keys: list[tuple[str, Any]] | None = None
        mode = "required"
        rest_name = str(rest) if type(rest) is Symbol else None
        for item in formals:
            if type(item) is Keyword:
                item = str(item)
                if item == "optional":
                    mode = "optional"
                elif item == "key":
                    mode = "key"
                    keys = [] if keys is None else keys
                elif item == "allow-other-keys":
                    keys = [] if keys is None else keys
                elif item == "rest":
                    mode = "rest"
                continue
            if mode == "rest":
                rest_name = str(item)
                continue
            if type(item) is Symbol:
                pair: tuple[str, Any] = (str(item), None)
            elif type(item) is List and len(item) == 2 and type(item[0]) is Symbol:
                pair = (str(item[0]), item[1])
            else:
                raise EvalFailure("bad-formals", _short(item))
            if mode == "required":
                required.append(pair[0])
            elif mode == "optional":
                optional.append(pair)
            else:
                assert keys is not None
                keys.append(pair)
        return Closure(name, required, optional, keys, rest_name, list(body), env, self)

    # -- strict helpers for builtins ---------------------------------------

    def string(self, value: Any) -> str:
        value = self.force(value)
        if type(value) is not str:
            raise EvalFailure("not-a-string", _short(value))
        return value

    def list(self, value: Any) -> list:
        value = self.force(value)
        if isinstance(value, list):
            return value
        raise EvalFailure("not-a-list", _short(value))


# -- values helpers -------------------------------------------------------------

def strip(datum: Any) -> Any:
    """DATUM without source references (lists become plain Python lists)."""
    t = type(datum)
    if t is List or t is list:
        return [strip(x) for x in datum]
    if t is DottedList:
        return DottedList([strip(x) for x in datum.items], strip(datum.tail))
    if t is Vector:
        return Vector(strip(x) for x in datum)
    return datum


def _position(form: Any) -> tuple[int, int]:
    if type(form) is List:
        source = form.source
        if source is None:
            return 0, 0
        if type(source) is Source:
            # Source.location without building a Location (this runs for every
            # package, origin and input list of the channel).
            starts: Any = source._line_starts
            if starts is None:
                source.location(0)
                starts = source._line_starts
            offset = form.start
            index = bisect_right(starts, offset) - 1
            return index + 1, offset - starts[index]
        loc = source.location(form.start)
        return loc.line, loc.column
    return 0, 0


def _text(form: Any) -> str:
    if type(form) is List and form.source is not None:
        return form.text or ""
    if type(form) is Symbol:
        return str(form)
    return repr(form)


def unknown(kind: str, form: Any) -> Unknown:
    line, column = _position(form)
    return Unknown(kind, _text(form), line, column)


# -- special forms ------------------------------------------------------------------

def _quote(ev: Evaluator, x: List, env: Env) -> Any:
    return strip(x[1])


def _quasi(ev: Evaluator, x: Any, env: Env, depth: int = 1) -> Any:
    t = type(x)
    if t is List:
        if x and type(x[0]) is Symbol:
            head = str(x[0])
            if head == "unquote":
                if depth == 1:
                    return ev.eval(x[1], env)
                return [x[0], _quasi(ev, x[1], env, depth - 1)]
            if head == "quasiquote":
                return [x[0], _quasi(ev, x[1], env, depth + 1)]
        out: list = []
        for i, item in enumerate(x):
            if i and i == len(x) - 2 and type(item) is Symbol and str(item) == "unquote" \
                    and depth == 1:
                # (a . ,b) reads as (a unquote b): B is the list's tail.
                tail = ev.eval(x[i + 1], env)
                return out + tail if isinstance(tail, list) else DottedList(out, tail)
            if type(item) is List and len(item) == 2 and type(item[0]) is Symbol \
                    and str(item[0]) == "unquote-splicing" and depth == 1:
                spliced = ev.force(ev.eval(item[1], env))
                if not isinstance(spliced, list):
                    raise EvalFailure("bad-splice", _text(item))
                out.extend(spliced)
            else:
                out.append(_quasi(ev, item, env, depth))
        return out
    if t is DottedList:
        items = _quasi(ev, List(x.items), env, depth)
        tail = _quasi(ev, x.tail, env, depth)
        if isinstance(tail, list):
            return items + tail
        return DottedList(items, tail)
    if t is Vector:
        return Vector(_quasi(ev, List(x), env, depth))
    return x


def _quasiquote(ev: Evaluator, x: List, env: Env) -> Any:
    return _quasi(ev, x[1], env)


def _truthy(value: Any) -> bool:
    return value is not False


def _if(ev: Evaluator, x: List, env: Env) -> Any:
    test = ev.force(ev.eval(x[1], env))
    if _truthy(test):
        return ev.eval(x[2], env)
    if len(x) > 3:
        return ev.eval(x[3], env)
    return False


def _cond(ev: Evaluator, x: List, env: Env) -> Any:
    for clause in x[1:]:
        if type(clause) is not List or not clause:
            raise EvalFailure("bad-cond", _text(x))
        if type(clause[0]) is Symbol and str(clause[0]) == "else":
            return ev.eval_body(clause[1:], env)
        test = ev.force(ev.eval(clause[0], env))
        if _truthy(test):
            if len(clause) == 1:
                return test
            if type(clause[1]) is Symbol and str(clause[1]) == "=>":
                return ev.apply(ev.eval(clause[2], env), [test], clause)
            return ev.eval_body(clause[1:], env)
    return False


def _when(ev: Evaluator, x: List, env: Env) -> Any:
    if _truthy(ev.force(ev.eval(x[1], env))):
        return ev.eval_body(x[2:], env)
    return False


def _unless(ev: Evaluator, x: List, env: Env) -> Any:
    if not _truthy(ev.force(ev.eval(x[1], env))):
        return ev.eval_body(x[2:], env)
    return False


def _and(ev: Evaluator, x: List, env: Env) -> Any:
    value: Any = True
    for form in x[1:]:
        value = ev.force(ev.eval(form, env))
        if not _truthy(value):
            return False
    return value


def _or(ev: Evaluator, x: List, env: Env) -> Any:
    for form in x[1:]:
        value = ev.force(ev.eval(form, env))
        if _truthy(value):
            return value
    return False


def _bindings(x: List) -> list:
    if len(x) < 3 or type(x[1]) is not List:
        raise EvalFailure("bad-let", _text(x))
    out = []
    for b in x[1]:
        if type(b) is not List or len(b) != 2 or type(b[0]) is not Symbol:
            raise EvalFailure("bad-let", _text(x))
        out.append((str(b[0]), b[1]))
    return out


def _macro_env(names: dict, env: Env) -> Env:
    """ENV and, around it, NAMES (a macro template's names from its own
    module), but neither special forms nor names ENV binds: locals win."""
    if not names:
        return env
    extra = {n: v for n, v in names.items()
             if n not in SPECIAL_FORMS and env.lookup(n) is _MISSING}
    return Env(extra, env) if extra else env


def _let_bindings(x: List) -> list:
    """The (target, expression) bindings of a ``let`` or ``let*``: a target is
    a name, or (SRFI-71, as ``(gnu packages)`` writes ``(let ((name version
    (f spec))) …)``) the List of names its expression's values bind."""
    if len(x) < 3 or type(x[1]) is not List:
        raise EvalFailure("bad-let", _text(x))
    out: list = []
    for b in x[1]:
        if type(b) is List and len(b) > 2 and all(type(n) is Symbol for n in b[:-1]):
            out.append((List(b[:-1]), b[-1]))
        elif type(b) is List and len(b) == 2 and type(b[0]) is Symbol:
            out.append((str(b[0]), b[1]))
        else:
            raise EvalFailure("bad-let", _text(x))
    return out


def _let(ev: Evaluator, x: List, env: Env) -> Any:
    if len(x) > 1 and type(x[1]) is Symbol:
        raise EvalFailure("named-let", _text(x))
    values: dict = {}
    for target, expr in _let_bindings(x):
        if type(target) is str:
            values[target] = ev.eval(expr, env)
        else:
            values.update(_bind_values(target, ev.eval(expr, env), x))
    return ev.eval_body(x[2:], Env(values, env))


def _let_star(ev: Evaluator, x: List, env: Env) -> Any:
    for target, expr in _let_bindings(x):
        if type(target) is str:
            env = Env({target: ev.eval(expr, env)}, env)
        else:
            env = Env(_bind_values(target, ev.eval(expr, env), x), env)
    return ev.eval_body(x[2:], env)


def _bind_values(formals: Any, value: Any, form: Any) -> dict:
    """The bindings FORMALS (a name, a list of names, possibly dotted) make
    of VALUE, which ``values`` returned (one value is itself)."""
    items = list(value.items) if type(value) is MultipleValues else [value]
    if type(formals) is Symbol:
        return {str(formals): items}
    if type(formals) is List:
        names, rest = list(formals), None
    elif type(formals) is DottedList:
        names, rest = list(formals.items), formals.tail
    else:
        raise EvalFailure("bad-formals", _text(form))
    if not all(type(n) is Symbol for n in names) or (rest is not None and type(rest) is not Symbol):
        raise EvalFailure("bad-formals", _text(form))
    if len(items) < len(names) or (rest is None and len(items) > len(names)):
        raise EvalFailure("bad-arguments", f"{len(items)} values for {len(names)} names")
    out = {str(n): v for n, v in zip(names, items)}
    if rest is not None:
        out[str(rest)] = items[len(names):]
    return out


def _let_values(ev: Evaluator, x: List, env: Env) -> Any:
    """``(let-values (((a b) EXPR) …) BODY …)`` of SRFI-11, and ``let*-values``."""
    if len(x) < 3 or type(x[1]) is not List:
        raise EvalFailure("bad-let", _text(x))
    sequential = str(x[0]) == "let*-values"
    values: dict = {}
    for b in x[1]:
        if type(b) is not List or len(b) != 2:
            raise EvalFailure("bad-let", _text(x))
        bound = _bind_values(b[0], ev.eval(b[1], env), x)
        if sequential:
            env = Env(bound, env)
        else:
            values.update(bound)
    return ev.eval_body(x[2:], Env(values, env) if values else env)


def _receive(ev: Evaluator, x: List, env: Env) -> Any:
    """``(receive FORMALS EXPR BODY …)`` of SRFI-8."""
    if len(x) < 4:
        raise EvalFailure("bad-arguments", _text(x))
    return ev.eval_body(x[3:], Env(_bind_values(x[1], ev.eval(x[2], env), x), env))


def _let_syntax(ev: Evaluator, x: List, env: Env) -> Any:
    """``(let-syntax ((NAME (syntax-rules …)) …) BODY …)``, and
    ``letrec-syntax``: local syntax-rules macros, bound for the body."""
    from guixml.evaluate.macros import macro_from_form
    if len(x) < 3 or type(x[1]) is not List:
        raise EvalFailure("bad-let", _text(x))
    macros: dict = {}
    for b in x[1]:
        if type(b) is not List or len(b) != 2 or type(b[0]) is not Symbol:
            raise EvalFailure("bad-let", _text(x))
        macros[str(b[0])] = macro_from_form(List([Symbol("define-syntax"), b[0], b[1]]))
    return ev.eval_body(x[2:], Env(macros, env))


def _letrec(ev: Evaluator, x: List, env: Env) -> Any:
    inner = Env({}, env)
    for name, expr in _bindings(x):
        inner.vars[name] = ev.eval(expr, inner)
    return ev.eval_body(x[2:], inner)


def _begin(ev: Evaluator, x: List, env: Env) -> Any:
    return ev.eval_body(x[1:], env)


def _lambda(ev: Evaluator, x: List, env: Env) -> Any:
    formals = x[1]
    if type(formals) is Symbol:
        return ev.make_closure(None, [], formals, x[2:], env)
    if type(formals) is DottedList:
        return ev.make_closure(None, formals.items, formals.tail, x[2:], env)
    if type(formals) is List:
        return ev.make_closure(None, formals, None, x[2:], env)
    raise EvalFailure("bad-lambda", _text(x))


def _at(ev: Evaluator, x: List, env: Env) -> Any:
    if len(x) != 3 or type(x[1]) is not List or type(x[2]) is not Symbol:
        raise EvalFailure("bad-module-reference", _text(x))
    module = "(" + " ".join(str(s) for s in x[1]) + ")"
    return GlobalRef(module, str(x[2]), True)


def _delay(ev: Evaluator, x: List, env: Env) -> Any:
    if type(x[1]) is Symbol:
        value = env.lookup(str(x[1]))
        if value is _MISSING:
            value = ev.scope.lookup(str(x[1]))
        return Promise(value)
    # The expression is evaluated now, for an explicit (force P) to see it; the
    # promise itself still stands for what static evaluation keeps unforced.
    try:
        forced = ev.eval(x[1], env)
    except EvalFailure:
        forced = _MISSING
    promise = Promise(unknown("delay", x))
    if forced is not _MISSING:
        promise.forced = forced
    return promise


_UNGEXP = {"ungexp": False, "ungexp-splicing": False, "ungexp-native": True,
           "ungexp-native-splicing": True}


def _gexp(ev: Evaluator, x: List, env: Env) -> Record:
    """``#~EXP`` of (guix gexp): a ``<gexp>`` record whose references are the
    values of its ``#$``/``#+`` escapes (as :class:`InputItem`, thing and
    output; ``native?`` beside them), the code itself kept as written, never
    evaluated.  An escape that does not evaluate is kept as an
    :class:`Unknown`: the code that uses a g-expression as a value (file-like
    objects, ``gexp-inputs``) rarely looks at every reference."""
    if len(x) != 2:
        raise EvalFailure("gexp", _text(x))
    references: list = []
    natives: list = []
    _gexp_escapes(ev, x[1], env, references, natives)
    return Record("<gexp>", {"references": references, "natives": natives})


def _gexp_escapes(ev: Evaluator, form: Any, env: Env, references: list, natives: list) -> None:
    t = type(form)
    if t is DottedList:
        for item in form.items:
            _gexp_escapes(ev, item, env, references, natives)
        _gexp_escapes(ev, form.tail, env, references, natives)
        return
    if t is not List and t is not Vector:
        return
    if t is List and len(form) >= 2 and type(form[0]) is Symbol and str(form[0]) in _UNGEXP:
        native = _UNGEXP[str(form[0])]
        target = form[1]
        output = form[2] if len(form) > 2 and type(form[2]) is str else None
        if type(target) is Symbol and str(target) == "output" \
                and env.lookup("output") is _MISSING:
            thing: Any = Record("<gexp-output>", {"name": output or "out"})
        else:
            try:
                thing = ev.eval(target, env)
            except EvalFailure as failure:
                thing = unknown(failure.kind, target)
        references.append(InputItem(None, thing, output))
        natives.append(native)
        return
    for item in form:
        _gexp_escapes(ev, item, env, references, natives)


def _with_modules(ev: Evaluator, x: List, env: Env) -> Any:
    """``(with-imported-modules MODULES BODY …)``, ``with-extensions``: what
    the body gives (the modules matter to the build, not to the model)."""
    if len(x) < 3:
        raise EvalFailure("bad-arguments", _text(x))
    return ev.eval_body(x[2:], env)


def _unsupported(kind: str) -> Callable:
    def special(ev: Evaluator, x: List, env: Env) -> Any:
        raise EvalFailure(kind, _text(x))
    return special


def _record_fields(x: List) -> tuple[Any, list]:
    """The (inherit X) form and the (field value) pairs of a record macro use."""
    parent = None
    pairs = []
    for clause in x[1:]:
        if type(clause) is not List:
            raise EvalFailure("bad-record-field", _text(clause))
        size = len(clause)
        if size < 2 or type(clause[0]) is not Symbol:
            raise EvalFailure("bad-record-field", _text(clause))
        name = str(clause[0])
        if name == "inherit":
            parent = clause[1]
            continue
        pairs.append((name, clause[1] if size == 2 else None, clause))
    return parent, pairs


def _package(ev: Evaluator, x: List, env: Env, parent_form: Any = None) -> PackageValue:
    parent_expr, pairs = _record_fields(x)
    if parent_form is not None:
        parent_expr = parent_form
    line, column = _position(x)
    parent = ev.eval(parent_expr, env) if parent_expr is not None else None
    pkg = PackageValue({}, parent, line, column, ev.scope.file)
    pkg.form = _form_span(x, pkg.file)
    # Fields are bound in order, as by let*.  Each field sees one new frame
    # holding the package and the fields before it, rather than a chain of one
    # frame per field that every variable lookup of the package would walk.
    outer = env
    bound = {"this-package": pkg, "%this-package": pkg}
    env = Env(bound, outer)
    for name, expr, clause in pairs:
        if expr is None:
            pkg.unresolved.append(("bad-field", name, _text(clause), *_position(clause)))
            continue
        if name not in EVALUATED_PACKAGE_FIELDS:
            if type(expr) is Symbol and name == "build-system":
                pkg.fields["build-system"] = str(expr)
            span = _form_span(clause, pkg.file) if type(clause) is List else None
            if span is not None:
                pkg.spans[name] = span
            continue
        field_env = env
        if parent is not None and name in THUNKED_FIELDS:
            field_env = Env({name: LazyField(parent, name)}, env)
        try:
            value = ev.eval(expr, field_env)
            if name in INPUT_FIELD_NAMES:
                value = _sanitize(ev, value, expr)
        except EvalFailure as failure:
            value = unknown(failure.kind, expr)
            pkg.unresolved.append((failure.kind, name, value.text, value.line, value.column))
        pkg.fields[name] = value
        bound = bound.copy()
        bound[name] = value
        env = Env(bound, outer)
    return pkg


def _form_span(x: List, file: str) -> tuple[int, int] | None:
    """(start, end) of form X in FILE's text, when X was read from FILE."""
    source = x.source
    if source is None or source.file != file:
        return None  # built by a macro of another file, or by guixml
    shift = getattr(source, "offset0", 0)  # a form read on its own (index.read_span)
    return x.start + shift, x.end + shift


def _sanitize(ev: Evaluator, value: Any, expr: Any) -> Any:
    line, column = _position(expr)
    if isinstance(value, list):
        return as_input_items(ev, value, line, column)
    if type(value) is Call:
        if ev.scope.resolve_calls:
            return as_input_items(ev, ev.force(value), line, column)
        raise NeedGlobal("inputs")
    return as_input_items(ev, value, line, column)


def _package_form(ev: Evaluator, x: List, env: Env) -> Any:
    return _package(ev, x, env)


def _package_inherit(ev: Evaluator, x: List, env: Env) -> Any:
    # (package/inherit p overrides ...): like (package (inherit p) ...), also on p's
    # replacement, which the model does not follow.
    return _package(ev, List([x[0]] + list(x[2:]), x.source, x.start, x.end), env,
                    parent_form=x[1])


def _local_file(ev: Evaluator, x: List, env: Env) -> Any:
    """``(local-file FILE [NAME] #:recursive? … #:select? …)`` of (guix gexp): a
    file beside the module, seen as an origin whose method is ``local-file``,
    whose URI is FILE as Guix finds it (relative to the module's directory)
    and whose file name is NAME, else FILE's base name (Guix's default)."""
    import posixpath
    args = [a for i, a in enumerate(x[1:]) if type(a) is not Keyword
            and not (i > 0 and type(x[i]) is Keyword)]
    if not 1 <= len(args) <= 2:
        raise EvalFailure("bad-arguments", _text(x)[:60])
    try:
        file = ev.string(ev.eval(args[0], env))
        name = ev.string(ev.eval(args[1], env)) if len(args) == 2 \
            else posixpath.basename(file)
    except EvalFailure as failure:  # a computed file name: kept as written
        return unknown(failure.kind, x)
    if not posixpath.isabs(file):
        file = posixpath.normpath(posixpath.join(posixpath.dirname(ev.scope.file), file))
    line, column = _position(x)
    return OriginValue({"method": "local-file", "uri": file, "file-name": name}, None,
                       line, column, ev.scope.file)


def _origin(ev: Evaluator, x: List, env: Env) -> Any:
    parent_expr, pairs = _record_fields(x)
    line, column = _position(x)
    parent = ev.eval(parent_expr, env) if parent_expr is not None else None
    origin = OriginValue({}, parent, line, column, ev.scope.file)
    outer = env
    bound: dict = {}
    for name, expr, clause in pairs:
        if expr is None or name not in ORIGIN_EVALUATED:
            continue
        if name == "method" and type(expr) is Symbol:
            value: Any = str(expr)
        else:
            try:
                value = ev.eval(expr, env)
            except EvalFailure as failure:
                value = unknown(failure.kind, expr)
        origin.fields[name] = value
        bound = bound.copy()  # as in _package: one frame, bound in order
        bound[name] = value
        env = Env(bound, outer)
    return origin


def _record(ev: Evaluator, x: List, env: Env) -> Any:
    parent_expr, pairs = _record_fields(x)
    fields: dict = {}
    if parent_expr is not None:
        parent = ev.force(ev.eval(parent_expr, env))
        if type(parent) is Record:
            fields.update(parent.fields)
    for name, expr, clause in pairs:
        if expr is None:
            continue
        value = ev.eval(expr, env)
        fields[name] = value
        env = Env({name: value}, env)
    return Record(str(x[0]), fields)


def _modify_inputs(ev: Evaluator, x: List, env: Env) -> Any:
    line, column = _position(x)
    items = as_input_items(ev, ev.eval(x[1], env), line, column)
    for clause in x[2:]:
        if type(clause) is not List or not clause or type(clause[0]) is not Symbol:
            raise EvalFailure("bad-modify-inputs", _text(clause))
        op = str(clause[0])
        args = [ev.eval(a, env) for a in clause[1:]]
        if op == "delete":
            names = {ev.string(a) for a in args}
            items = [i for i in items if input_label(ev, i) not in names]
        elif op in ("prepend", "append"):
            added = [_unlabelled(ev, a, *_position(clause)) for a in args]
            items = added + items if op == "prepend" else items + added
        elif op == "replace":
            if len(args) != 2:
                raise EvalFailure("bad-modify-inputs", _text(clause))
            name = ev.string(args[0])
            replacement = args[1]
            out = []
            for item in items:
                if input_label(ev, item) == name:
                    if isinstance(replacement, list) and len(replacement) == 2:
                        item = InputItem(name, replacement[0], replacement[1], *_position(clause))
                    else:
                        item = InputItem(name, replacement, item.output, *_position(clause))
                out.append(item)
            items = out
        else:
            raise EvalFailure("bad-modify-inputs", _text(clause))
    return items


def _this_package_input(fields: tuple[str, ...]) -> Callable:
    def special(ev: Evaluator, x: List, env: Env) -> Any:
        this = env.lookup("%this-package")
        if this is _MISSING:
            raise EvalFailure("this-package-outside-package", _text(x))
        name = ev.string(ev.eval(x[1], env))
        for field in fields:
            value = field_value(ev, this, field, [])
            for item in as_input_items(ev, value):
                if input_label(ev, item) == name:
                    return item.thing
        raise EvalFailure("this-package-input-not-found", name)
    return special


def _case(ev: Evaluator, x: List, env: Env) -> Any:
    from guixml.scheme.datum import equal
    key = ev.force(ev.eval(x[1], env))
    for clause in x[2:]:
        if type(clause) is not List or len(clause) < 2:
            raise EvalFailure("bad-case", _text(x))
        data = clause[0]
        if (type(data) is Symbol and str(data) == "else") or \
                (type(data) is List and any(equal(key, strip(d)) for d in data)):
            if type(clause[1]) is Symbol and str(clause[1]) == "=>":
                return ev.apply(ev.eval(clause[2], env), [key], clause)
            return ev.eval_body(clause[1:], env)
    return False


def _match(ev: Evaluator, x: List, env: Env) -> Any:
    """``(match EXPR (PATTERN BODY …) …)`` of (ice-9 match), for the common patterns."""
    value = ev.eval(x[1], env)
    for clause in x[2:]:
        if type(clause) is not List or len(clause) < 2:
            raise EvalFailure("bad-match", _text(x))
        bindings: dict = {}
        if _match_pattern(ev, clause[0], value, bindings, env):
            return ev.eval_body(clause[1:], Env(bindings, env))
    raise EvalFailure("match-no-clause", _text(x)[:120])


def _cut(ev: Evaluator, x: List, env: Env) -> Any:
    """SRFI-26 ``(cut f <> x)``: a procedure filling the ``<>`` slots in order."""
    parts = list(x[1:])
    slots = sum(1 for p in parts if type(p) is Symbol and str(p) == "<>")
    rest = bool(parts) and type(parts[-1]) is Symbol and str(parts[-1]) == "<...>"
    if rest:
        parts = parts[:-1]
    values = [None if type(p) is Symbol and str(p) == "<>" else ev.eval(p, env)
              for p in parts]

    def procedure(ev2: Evaluator, args: list) -> Any:
        if len(args) < slots or (len(args) > slots and not rest):
            raise EvalFailure("bad-arguments", "cut")
        filled = list(args[:slots])
        call = [filled.pop(0) if v is None else v for v in values] + list(args[slots:])
        return ev.apply(ev.force(call[0]), call[1:], None)
    return Builtin("cut", procedure)


def _match_lambda(ev: Evaluator, x: List, env: Env) -> Any:
    clauses = x[1:]

    def procedure(ev2: Evaluator, args: list) -> Any:
        if len(args) != 1:
            raise EvalFailure("bad-arguments", "match-lambda")
        for clause in clauses:
            if type(clause) is not List or len(clause) < 2:
                raise EvalFailure("bad-match", _text(x))
            bindings: dict = {}
            if _match_pattern(ev, clause[0], args[0], bindings, env):
                return ev.eval_body(clause[1:], Env(bindings, env))
        raise EvalFailure("match-no-clause", _text(x)[:120])
    return Builtin("match-lambda", procedure)


def _match_pattern(ev: Evaluator, pat: Any, value: Any, bindings: dict, env: Env) -> bool:
    from guixml.scheme.datum import equal
    t = type(pat)
    if t is Symbol:
        name = str(pat)
        if name == "_":
            return True
        bindings[name] = value
        return True
    if t is List:
        if pat and type(pat[0]) is Symbol:
            head = str(pat[0])
            if head == "quote":
                return equal(ev.force(value), strip(pat[1]))
            if head == "?":
                pred = ev.eval(pat[1], env)
                if ev.force(ev.apply(pred, [value], None)) is False:
                    return False
                return all(_match_pattern(ev, p, value, bindings, env) for p in pat[2:])
            if head == "and":
                return all(_match_pattern(ev, p, value, bindings, env) for p in pat[1:])
            if head == "or":
                return any(_match_pattern(ev, p, value, bindings, env) for p in pat[1:])
            if head == "not":
                return not _match_pattern(ev, pat[1], value, {}, env)
            if head == "=":
                return _match_pattern(ev, pat[2], ev.apply(ev.eval(pat[1], env), [value], None),
                                      bindings, env)
            if head in ("unquote", "quasiquote", "$", "struct", "get!", "set!", "=>"):
                raise EvalFailure("match-pattern", _text(pat))
        # (a . 'x) reads as (a quote x): a pair whose cdr is the quoted pattern.
        if len(pat) >= 3 and type(pat[-2]) is Symbol and str(pat[-2]) == "quote":
            return _match_pattern(ev, DottedList(list(pat[:-2]), List(list(pat[-2:]))), value,
                                  bindings, env)
        forced = ev.force(value)
        if not isinstance(forced, list):
            return False
        if len(pat) >= 2 and type(pat[-1]) is Symbol and str(pat[-1]) in ("...", "___"):
            fixed = list(pat[:-2])
            if len(forced) < len(fixed):
                return False
            if not all(_match_pattern(ev, p, v, bindings, env) for p, v in zip(fixed, forced)):
                return False
            repeated = pat[-2]
            if type(repeated) is not Symbol:
                raise EvalFailure("match-pattern", _text(pat))
            if str(repeated) != "_":
                bindings[str(repeated)] = forced[len(fixed):]
            return True
        if len(pat) != len(forced):
            return False
        return all(_match_pattern(ev, p, v, bindings, env) for p, v in zip(pat, forced))
    if t is DottedList:
        forced = ev.force(value)
        n = len(pat.items)
        if type(forced) is DottedList:  # a pair whose last cdr is not a list
            items, tail = forced.items, forced.tail
            if len(items) < n:
                return False
            rest = DottedList(items[n:], tail) if len(items) > n else tail
        elif isinstance(forced, list) and len(forced) >= n:
            items, rest = forced, forced[n:]
        else:
            return False
        if not all(_match_pattern(ev, p, v, bindings, env) for p, v in zip(pat.items, items)):
            return False
        return _match_pattern(ev, pat.tail, rest, bindings, env)
    return equal(ev.force(value), pat)


SPECIAL_FORMS: dict[str, Callable] = {
    "quote": _quote,
    "quasiquote": _quasiquote,
    "if": _if,
    "cond": _cond,
    "when": _when,
    "unless": _unless,
    "and": _and,
    "or": _or,
    "let": _let,
    "let*": _let_star,
    "letrec": _letrec,
    "letrec*": _letrec,
    "begin": _begin,
    "lambda": _lambda,
    "lambda*": _lambda,
    "mlambda": _lambda,
    "mlambdaq": _lambda,
    "@": _at,
    "@@": _at,
    "@*": _at,
    "delay": _delay,
    "package": _package_form,
    "package/inherit": _package_inherit,
    "origin": _origin,
    "local-file": _local_file,
    "modify-inputs": _modify_inputs,
    "this-package-input": _this_package_input(("inputs", "propagated-inputs")),
    "this-package-native-input": _this_package_input(("native-inputs",)),
    "match": _match,
    "match-lambda": _match_lambda,
    "case": _case,
    "let-values": _let_values,
    "let*-values": _let_values,
    "receive": _receive,
    "let-syntax": _let_syntax,
    "letrec-syntax": _let_syntax,
    "gexp": _gexp,
    "with-imported-modules": _with_modules,
    "with-extensions": _with_modules,
    "define-record-type": _unsupported("define-record-type"),
    "syntax-rules": _unsupported("macro"),
    "cut": _cut,
    "cute": _cut,
}
for _name in RECORD_TYPES:
    SPECIAL_FORMS[_name] = _record
