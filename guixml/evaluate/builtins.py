"""Procedures static evaluation implements in Python.

Guile's own procedures (strings, lists) and the few Guix procedures whose
result the package model depends on (accessors such as ``package-version``,
``git-file-name``, ``hidden-package``).  Each takes the evaluator and the
evaluated arguments; arguments may be references, forced only when needed.
"""

from __future__ import annotations

from typing import Any, Callable

from guixml.scheme import BigNumber, NumberRangeError, int_to_text, parse_number
from guixml.scheme.datum import Char, DottedList, Symbol, sym
from guixml.evaluate import budget
from guixml.evaluate.values import (BUILTINS, Builtin, EvalFailure, GlobalRef, InputItem,
                                    MultipleValues, OriginValue, PackageValue, Promise, Record,
                                    Unknown)


def builtin(*names: str) -> Callable:
    def register(fn: Callable) -> Callable:
        for name in names:
            BUILTINS[name] = Builtin(name, fn)
        return fn
    return register


def _repr(value: Any, limit: int | None = None) -> str:
    """repr(VALUE)[:LIMIT] for a failure's detail, even where it holds an integer
    beyond Python's int-to-text limit."""
    try:
        text = repr(value)
    except ValueError:
        text = f"<{type(value).__name__}>"
    return text if limit is None else text[:limit]


def _arity(args: list, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise EvalFailure("bad-arguments", f"{len(args)} arguments")


# -- strings -----------------------------------------------------------------------

@builtin("string-append")
def _string_append(ev, args):
    return "".join(ev.string(a) for a in args)


@builtin("string-join")
def _string_join(ev, args):
    _arity(args, 1, 3)
    parts = [ev.string(a) for a in ev.list(args[0])]
    delimiter = ev.string(args[1]) if len(args) > 1 else " "
    grammar = str(ev.force(args[2])) if len(args) > 2 else "infix"
    if grammar == "suffix":
        return "".join(p + delimiter for p in parts)
    if grammar == "prefix":
        return "".join(delimiter + p for p in parts)
    return delimiter.join(parts)


@builtin("string-take")
def _string_take(ev, args):
    _arity(args, 2)
    return ev.string(args[0])[:_int(ev, args[1])]


@builtin("string-drop")
def _string_drop(ev, args):
    _arity(args, 2)
    return ev.string(args[0])[_int(ev, args[1]):]


@builtin("string-take-right")
def _string_take_right(ev, args):
    _arity(args, 2)
    s = ev.string(args[0])
    n = _int(ev, args[1])
    return s[len(s) - n:]


@builtin("string-drop-right")
def _string_drop_right(ev, args):
    _arity(args, 2)
    s = ev.string(args[0])
    return s[:len(s) - _int(ev, args[1])]


@builtin("substring")
def _substring(ev, args):
    _arity(args, 2, 3)
    s = ev.string(args[0])
    end = _int(ev, args[2]) if len(args) > 2 else len(s)
    return s[_int(ev, args[1]):end]


@builtin("string-downcase")
def _downcase(ev, args):
    _arity(args, 1)
    return ev.string(args[0]).lower()


@builtin("string-upcase")
def _upcase(ev, args):
    _arity(args, 1)
    return ev.string(args[0]).upper()


@builtin("string-replace-substring")
def _replace_substring(ev, args):
    _arity(args, 3)
    return ev.string(args[0]).replace(ev.string(args[1]), ev.string(args[2]))


@builtin("string-prefix?")
def _string_prefix(ev, args):
    _arity(args, 2)
    return ev.string(args[1]).startswith(ev.string(args[0]))


@builtin("string-suffix?")
def _string_suffix(ev, args):
    _arity(args, 2)
    return ev.string(args[1]).endswith(ev.string(args[0]))


@builtin("string=?", "string-ci=?")
def _string_eq(ev, args):
    values = [ev.string(a) for a in args]
    return all(v == values[0] for v in values)


@builtin("string-null?")
def _string_null(ev, args):
    _arity(args, 1)
    return ev.string(args[0]) == ""


@builtin("string-split")
def _string_split(ev, args):
    _arity(args, 2)
    sep = ev.force(args[1])
    if not isinstance(sep, str) or len(sep) != 1:
        raise EvalFailure("unsupported-argument", "string-split")
    return ev.string(args[0]).split(str(sep))


@builtin("number->string")
def _number_to_string(ev, args):
    _arity(args, 1)
    n = ev.force(args[0])
    if type(n) is BigNumber and n.reduced and n.is_integer():
        return n.written()
    n = _exact_value(n)
    if type(n) is not int:
        raise EvalFailure("not-an-integer", _repr(n))
    return int_to_text(n)


@builtin("symbol->string")
def _symbol_to_string(ev, args):
    _arity(args, 1)
    s = ev.force(args[0])
    if type(s) is not Symbol:
        raise EvalFailure("not-a-symbol", _repr(s))
    return str(s)


@builtin("string->symbol")
def _string_to_symbol(ev, args):
    _arity(args, 1)
    return sym(ev.string(args[0]))


def _int(ev, value) -> int:
    value = ev.force(value)
    if type(value) is not int:
        raise EvalFailure("not-an-integer", _repr(value))
    return value


# -- versions (guix utils) ------------------------------------------------------------

def _version_parts(ev, value) -> list[str]:
    return ev.string(value).split(".")


@builtin("version-prefix")
def _version_prefix(ev, args):
    _arity(args, 2)
    return ".".join(_version_parts(ev, args[0])[:_int(ev, args[1])])


@builtin("version-major+minor")
def _version_major_minor(ev, args):
    _arity(args, 1)
    return ".".join(_version_parts(ev, args[0])[:2])


@builtin("version-major+minor+point")
def _version_major_minor_point(ev, args):
    _arity(args, 1)
    return ".".join(_version_parts(ev, args[0])[:3])


@builtin("version-major")
def _version_major(ev, args):
    _arity(args, 1)
    return _version_parts(ev, args[0])[0]


@builtin("git-version")
def _git_version(ev, args):
    _arity(args, 3)
    return f"{ev.string(args[0])}-{ev.string(args[1])}.{ev.string(args[2])[:7]}"


@builtin("hg-version")
def _hg_version(ev, args):
    _arity(args, 3)
    return f"{ev.string(args[0])}-{ev.string(args[1])}.{ev.string(args[2])[:7]}"


@builtin("git-file-name")
def _git_file_name(ev, args):
    _arity(args, 2)
    return f"{ev.string(args[0])}-{ev.string(args[1])}-checkout"


@builtin("hg-file-name")
def _hg_file_name(ev, args):
    _arity(args, 2)
    return f"{ev.string(args[0])}-{ev.string(args[1])}-checkout"


@builtin("base32", "base64")
def _base32(ev, args):
    _arity(args, 1)
    return ev.string(args[0])


@builtin("search-patches")
def _search_patches(ev, args):
    return [ev.string(a) for a in args]


@builtin("search-patch")
def _search_patch(ev, args):
    _arity(args, 1)
    return ev.string(args[0])


# -- lists -------------------------------------------------------------------------------

@builtin("list")
def _list(ev, args):
    return list(args)


@builtin("cons")
def _cons(ev, args):
    _arity(args, 2)
    tail = ev.force(args[1])
    if isinstance(tail, list):
        return [args[0]] + tail
    return DottedList([args[0]], tail)


@builtin("cons*")
def _cons_star(ev, args):
    if not args:
        raise EvalFailure("bad-arguments", "cons*")
    return list(args[:-1]) + ev.list(args[-1])


@builtin("append")
def _append(ev, args):
    out: list = []
    for a in args:
        out.extend(ev.list(a))
    return out


@builtin("car", "first")
def _car(ev, args):
    _arity(args, 1)
    lst = ev.force(args[0])
    if type(lst) is DottedList:
        return lst.items[0]
    if not isinstance(lst, list) or not lst:
        raise EvalFailure("not-a-pair", _repr(lst, 60))
    return lst[0]


@builtin("cdr")
def _cdr(ev, args):
    _arity(args, 1)
    lst = ev.force(args[0])
    if type(lst) is DottedList:
        return lst.items[1:] if len(lst.items) > 1 else lst.tail
    if not isinstance(lst, list) or not lst:
        raise EvalFailure("not-a-pair", _repr(lst, 60))
    return lst[1:]


def _nth(n: int) -> Callable:
    def fn(ev, args):
        _arity(args, 1)
        lst = ev.list(args[0])
        if len(lst) <= n:
            raise EvalFailure("list-too-short", str(n))
        return lst[n]
    return fn


for _index, _names in enumerate((("cadr", "second"), ("caddr", "third"))):
    BUILTINS.update({n: Builtin(n, _nth(_index + 1)) for n in _names})


@builtin("last")
def _last(ev, args):
    _arity(args, 1)
    lst = ev.list(args[0])
    if not lst:
        raise EvalFailure("empty-list", "last")
    return lst[-1]


@builtin("reverse")
def _reverse(ev, args):
    _arity(args, 1)
    return list(reversed(ev.list(args[0])))


@builtin("length")
def _length(ev, args):
    _arity(args, 1)
    return len(ev.list(args[0]))


@builtin("map")
def _map(ev, args):
    if len(args) < 2:
        raise EvalFailure("bad-arguments", "map")
    fn = ev.force(args[0])
    lists = [ev.list(a) for a in args[1:]]
    return [ev.apply(fn, list(items), None) for items in zip(*lists)]


@builtin("append-map")
def _append_map(ev, args):
    out: list = []
    for x in _map(ev, args):
        out.extend(ev.list(x))
    return out


@builtin("not")
def _not(ev, args):
    _arity(args, 1)
    return ev.force(args[0]) is False


@builtin("null?")
def _null(ev, args):
    _arity(args, 1)
    v = ev.force(args[0])
    return isinstance(v, list) and not v


@builtin("equal?", "eq?", "eqv?")
def _equal(ev, args):
    _arity(args, 2)
    from guixml.scheme.datum import equal
    a, b = ev.force(args[0]), ev.force(args[1])
    if isinstance(a, (PackageValue, OriginValue)) or isinstance(b, (PackageValue, OriginValue)):
        return a is b
    return equal(a, b)


@builtin("assoc-ref", "assq-ref")
def _assoc_ref(ev, args):
    _arity(args, 2)
    key = ev.force(args[1])
    for entry in ev.list(args[0]):
        entry = ev.force(entry)
        if type(entry) is DottedList and len(entry.items) == 1:
            if entry.items[0] == key:
                return entry.tail
        elif isinstance(entry, list) and entry and entry[0] == key:
            return entry[1:]
    return False


@builtin("assoc", "assq", "assv")
def _assoc(ev, args):
    """The first entry of an alist whose key is KEY (Guile's ``assoc``; eq?
    and eqv? compare as equal? does: keys of package code are symbols,
    strings and numbers), or #f."""
    _arity(args, 2)
    from guixml.scheme.datum import equal
    key = ev.force(args[0])
    for entry in ev.list(args[1]):
        entry = ev.force(entry)
        if type(entry) is InputItem or (type(entry) is DottedList and entry.items) \
                or (isinstance(entry, list) and entry):
            # A labelled input (label package) is an entry of its label.
            if equal(_alist_key(ev, entry), key):
                return entry
        else:
            raise EvalFailure("not-a-pair", _repr(entry, 60))
    return False


# -- multiple values ----------------------------------------------------------------------

@builtin("values")
def _values(ev, args):
    return args[0] if len(args) == 1 else MultipleValues(list(args))


@builtin("call-with-values")
def _call_with_values(ev, args):
    _arity(args, 2)
    produced = ev.apply(ev.force(args[0]), [], None)
    items = list(produced.items) if type(produced) is MultipleValues else [produced]
    return ev.apply(ev.force(args[1]), items, None)


# -- Guix packages ----------------------------------------------------------------------

def _record_field(field: str, default: Any = None) -> Callable:
    from guixml.evaluate.fields import field_value

    def fn(ev, args):
        _arity(args, 1)
        thing = ev.force(args[0])
        value = field_value(ev, thing, field, default)
        if value is None:
            raise EvalFailure("missing-field", field)
        if value == "%supported-systems":
            return list(BUILTINS["%supported-systems"].fn(ev, []))
        return value
    return fn


for _field in ("name", "version", "source", "home-page", "synopsis", "description",
               "license"):
    BUILTINS[f"package-{_field}"] = Builtin(f"package-{_field}", _record_field(_field))
BUILTINS["package-properties"] = Builtin("package-properties", _record_field("properties", []))
BUILTINS["package-outputs"] = Builtin("package-outputs", _record_field("outputs", ["out"]))
BUILTINS["package-supported-systems"] = Builtin(
    "package-supported-systems", _record_field("supported-systems", "%supported-systems"))
BUILTINS["origin-uri"] = Builtin("origin-uri", _record_field("uri"))
BUILTINS["origin-sha256"] = Builtin("origin-sha256", _record_field("sha256"))
BUILTINS["origin-file-name"] = Builtin("origin-file-name", _record_field("file-name", False))
BUILTINS["origin-patches"] = Builtin("origin-patches", _record_field("patches", []))


@builtin("origin-hash")
def _origin_hash(ev, args):
    """An origin's ``<content-hash>``: its ``hash`` field, or the one its
    ``sha256`` field stands for (Guix's ``origin`` macro turns one into the
    other); #f when it has neither."""
    from guixml.evaluate.fields import field_value
    _arity(args, 1)
    thing = ev.force(args[0])
    if type(thing) is not OriginValue:
        raise EvalFailure("not-a-record", f"origin-hash: {_repr(thing, 60)}")
    written = field_value(ev, thing, "hash", None)
    if written is not None:
        return written
    sha256 = field_value(ev, thing, "sha256", None)
    if sha256 is None or sha256 is False:
        return False
    return Record("content-hash", {"value": sha256, "algorithm": "sha256"})


def _inputs_accessor(field: str) -> Callable:
    from guixml.evaluate.fields import as_input_items, field_value

    def fn(ev, args):
        _arity(args, 1)
        thing = ev.force(args[0])
        return as_input_items(ev, field_value(ev, thing, field, []))
    return fn


for _field in ("inputs", "native-inputs", "propagated-inputs"):
    BUILTINS[f"package-{_field}"] = Builtin(f"package-{_field}", _inputs_accessor(_field))


@builtin("package-direct-inputs")
def _direct_inputs(ev, args):
    return (_inputs_accessor("inputs")(ev, args) + _inputs_accessor("propagated-inputs")(ev, args)
            + _inputs_accessor("native-inputs")(ev, args))


@builtin("git-reference-url")
def _git_reference_url(ev, args):
    ref = ev.force(args[0])
    if type(ref) is not Record:
        raise EvalFailure("not-a-record", _repr(ref, 60))
    return ref.fields.get("url", False)


@builtin("git-reference-commit")
def _git_reference_commit(ev, args):
    ref = ev.force(args[0])
    if type(ref) is not Record:
        raise EvalFailure("not-a-record", _repr(ref, 60))
    return ref.fields.get("commit", False)


@builtin("hidden-package")
def _hidden_package(ev, args):
    _arity(args, 1)
    pkg = PackageValue({}, args[0])
    pkg.hidden = True
    return pkg


@builtin("deprecated-package")
def _deprecated_package(ev, args):
    _arity(args, 2)
    pkg = PackageValue({"name": args[0]}, args[1])
    pkg.superseded = args[1]
    return pkg


@builtin("package-with-extra-patches")
def _with_extra_patches(ev, args):
    _arity(args, 2)
    return PackageValue({}, args[0])


@builtin("gexp-input")
def _gexp_input(ev, args):
    _arity(args, 1, 2)
    output = args[1] if len(args) > 1 else None
    return InputItem(None, args[0], output)


def _constant(value: Any) -> Callable:
    return lambda ev, args: value


def _load_system_facts() -> None:
    import tomllib
    from importlib.resources import files
    data = tomllib.loads(files("guixml").joinpath("data/evaluation.toml").read_text("utf-8"))
    system = data["system"]
    BUILTINS["%current-system"] = Builtin("%current-system",
                                          _constant(system["current-system"]))
    for name, value in system["predicates"].items():
        BUILTINS[name] = Builtin(name, _constant(value))
    BUILTINS["%supported-systems"] = Builtin("%supported-systems",
                                             _constant(system["supported-systems"]))


_load_system_facts()


@builtin("make-parameter")
def _make_parameter(ev, args):
    _arity(args, 1, 2)
    value = args[0]
    return Builtin("parameter", lambda ev, a: value)


@builtin("identity")
def _identity(ev, args):
    _arity(args, 1)
    return args[0]


@builtin("string-contains")
def _string_contains(ev, args):
    _arity(args, 2)
    i = ev.string(args[0]).find(ev.string(args[1]))
    return i if i >= 0 else False


@builtin("string-index")
def _string_index(ev, args):
    _arity(args, 2)
    c = ev.force(args[1])
    i = ev.string(args[0]).find(str(c)) if isinstance(c, str) else -1
    return i if i >= 0 else False


def _pad_arguments(ev, args) -> tuple[str, int, str]:
    """(string-pad[-right] S LEN [CHAR]) of SRFI-13: S, LEN and the padding
    character (a space by default).  The optional START and END are refused."""
    if len(args) == 4 or len(args) == 5:
        raise EvalFailure("unsupported-argument", "string-pad start/end")
    _arity(args, 2, 3)
    text, length = ev.string(args[0]), _int(ev, args[1])
    if length < 0 or length > 1 << 20:
        raise EvalFailure("index-out-of-range", str(length))
    char = ev.force(args[2]) if len(args) == 3 else Char(" ")
    if type(char) is not Char:
        raise EvalFailure("not-a-char", repr(char)[:40])
    return text, length, str(char)


@builtin("string-pad")
def _string_pad(ev, args):
    """Pad on the left to LEN, or keep the LEN rightmost characters (Guile)."""
    text, length, char = _pad_arguments(ev, args)
    return text[len(text) - length:] if len(text) >= length else \
        char * (length - len(text)) + text


@builtin("string-pad-right")
def _string_pad_right(ev, args):
    """Pad on the right to LEN, or keep the LEN leftmost characters (Guile)."""
    text, length, char = _pad_arguments(ev, args)
    return text[:length] if len(text) >= length else text + char * (length - len(text))


#: Type predicates that hold when the argument's type is exactly the one given.
_TYPE_PREDICATES = {
    "string?": str,
    "symbol?": Symbol,
    "boolean?": bool,
    "package?": PackageValue,
    "origin?": OriginValue,
}


def _type_predicate(kind: type) -> Callable:
    def predicate(ev, args):
        _arity(args, 1)
        return type(ev.force(args[0])) is kind
    return predicate


for _name, _kind in _TYPE_PREDICATES.items():
    builtin(_name)(_type_predicate(_kind))


@builtin("list?", "pair?")
def _listp(ev, args):
    _arity(args, 1)
    return isinstance(ev.force(args[0]), list)


@builtin("filter")
def _filter(ev, args):
    _arity(args, 2)
    fn = ev.force(args[0])
    return [x for x in ev.list(args[1]) if ev.force(ev.apply(fn, [x], None)) is not False]


@builtin("find")
def _find(ev, args):
    """SRFI-1 ``(find pred list)``: the first element PRED accepts, or #f."""
    _arity(args, 2)
    fn = ev.force(args[0])
    for x in ev.list(args[1]):
        if ev.force(ev.apply(fn, [x], None)) is not False:
            return x
    return False


@builtin("fold")
def _fold(ev, args):
    """SRFI-1 ``(fold kons knil list ...)``: ``(kons e ... acc)`` left to right
    (``(fold alist-delete alist '(k ...))`` is how Guix drops several keys)."""
    if len(args) < 3:
        raise EvalFailure("bad-arguments", "fold")
    fn = ev.force(args[0])
    result = args[1]
    for items in zip(*(ev.list(a) for a in args[2:])):
        result = ev.apply(fn, [*items, result], None)
    return result


@builtin("delete")
def _delete(ev, args):
    _arity(args, 2)
    from guixml.scheme.datum import equal
    x = ev.force(args[0])
    return [y for y in ev.list(args[1]) if not equal(ev.force(y), x)]


@builtin("format")
def _format(ev, args):
    if len(args) < 2 or ev.force(args[0]) is not False:
        raise EvalFailure("unsupported-procedure", "format")
    template = ev.string(args[1])
    values = list(args[2:])
    out = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "~" and i + 1 < len(template):
            d = template[i + 1]
            if d in "aAsSdD":
                v = ev.force(values.pop(0)) if values else ""
                out.append(v if type(v) is str else int_to_text(v) if type(v) is int
                           else str(v))
            elif d == "%":
                out.append("\n")
            elif d == "~":
                out.append("~")
            else:
                raise EvalFailure("unsupported-procedure", "format ~" + d)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# -- numbers, procedures, more lists ----------------------------------------------------

def _exact_value(v: Any) -> Any:
    """V, or the int or Fraction of a BigNumber (a literal read from long
    digits), made now, within the budget's integer size."""
    if type(v) is BigNumber:
        if v.bits() > budget.LIMITS.integer_bits:
            raise budget.BudgetExceeded("a literal integer beyond the size limit")
        return v.value
    return v


def _numbers(ev, args) -> list:
    out = []
    for a in args:
        v = ev.force(a)
        if type(v) is BigNumber:
            v = _exact_value(v)
        if type(v) not in (int, float) or type(v) is bool:
            from fractions import Fraction
            if type(v) is not Fraction:
                raise EvalFailure("not-a-number", _repr(v, 40))
        out.append(v)
    return out


def _compare(op: Callable) -> Callable:
    def fn(ev, args):
        values = _numbers(ev, args)
        return all(op(a, b) for a, b in zip(values, values[1:]))
    return fn


BUILTINS.update({name: Builtin(name, _compare(op)) for name, op in (
    ("<", lambda a, b: a < b), (">", lambda a, b: a > b), ("<=", lambda a, b: a <= b),
    (">=", lambda a, b: a >= b), ("=", lambda a, b: a == b))})


@builtin("+")
def _add(ev, args):
    return sum(_numbers(ev, args))


@builtin("-")
def _sub(ev, args):
    values = _numbers(ev, args)
    if len(values) == 1:
        return -values[0]
    return values[0] - sum(values[1:])


@builtin("*")
def _mul(ev, args):
    out = 1
    for v in _numbers(ev, args):
        out *= v
    return out


@builtin("1+")
def _incr(ev, args):
    return _numbers(ev, args)[0] + 1


@builtin("1-")
def _decr(ev, args):
    return _numbers(ev, args)[0] - 1


@builtin("memoize")
def _memoize(ev, args):
    _arity(args, 1)
    return args[0]


@builtin("const")
def _const(ev, args):
    _arity(args, 1)
    value = args[0]
    return Builtin("const-procedure", lambda ev, a: value)


@builtin("negate")
def _negate(ev, args):
    _arity(args, 1)
    fn = args[0]
    return Builtin("negated-procedure",
                   lambda ev, a: ev.force(ev.apply(ev.force(fn), a, None)) is False)


@builtin("compose")
def _compose(ev, args):
    fns = list(args)

    def composed(ev, a):
        result = ev.apply(ev.force(fns[-1]), a, None)
        for f in reversed(fns[:-1]):
            result = ev.apply(ev.force(f), [result], None)
        return result
    return Builtin("composed-procedure", composed)


@builtin("string-capitalize")
def _capitalize(ev, args):
    _arity(args, 1)
    s = ev.string(args[0])
    out, start = [], True
    for c in s:
        out.append(c.upper() if start else c.lower())
        start = not c.isalpha()
    return "".join(out)


@builtin("member")
def _member(ev, args):
    _arity(args, 2)
    from guixml.scheme.datum import equal
    x = ev.force(args[0])
    lst = ev.list(args[1])
    for i, y in enumerate(lst):
        if equal(ev.force(y), x):
            return lst[i:]
    return False


@builtin("list-head", "take")
def _list_head(ev, args):
    _arity(args, 2)
    return ev.list(args[0])[:_int(ev, args[1])]


@builtin("list-tail", "drop")
def _list_tail(ev, args):
    _arity(args, 2)
    return ev.list(args[0])[_int(ev, args[1]):]


# -- characters and regular expressions ---------------------------------------------

@builtin("string-map")
def _string_map(ev, args):
    _arity(args, 2)
    from guixml.scheme.datum import Char
    fn = ev.force(args[0])
    out = []
    for c in ev.string(args[1]):
        r = ev.force(ev.apply(fn, [Char(c)], None))
        if not isinstance(r, str) or len(r) != 1:
            raise EvalFailure("not-a-char", _repr(r, 40))
        out.append(str(r))
    return "".join(out)


@builtin("char-downcase")
def _char_downcase(ev, args):
    from guixml.scheme.datum import Char
    _arity(args, 1)
    return Char(str(ev.force(args[0])).lower())


@builtin("char-upcase")
def _char_upcase(ev, args):
    from guixml.scheme.datum import Char
    _arity(args, 1)
    return Char(str(ev.force(args[0])).upper())


@builtin("regexp-substitute/global")
def _regexp_substitute_global(ev, args):
    # Only the common (regexp-substitute/global #f RX STR 'pre "text" 'post) form:
    # every match of RX replaced by literal text.
    import re
    if len(args) != 6 or ev.force(args[0]) is not False:
        raise EvalFailure("unsupported-procedure", "regexp-substitute/global")
    pre, text, post = (ev.force(a) for a in args[3:])
    if str(pre) != "pre" or str(post) != "post" or type(text) is not str:
        raise EvalFailure("unsupported-procedure", "regexp-substitute/global")
    try:
        return re.sub(ev.string(args[1]), lambda m: text, ev.string(args[2]))
    except re.error:
        raise EvalFailure("unsupported-regexp", ev.string(args[1])) from None


_POSIX_CLASSES = {"[:digit:]": r"0-9", "[:alpha:]": r"a-zA-Z", "[:alnum:]": r"a-zA-Z0-9",
                  "[:space:]": r"\s", "[:upper:]": r"A-Z", "[:lower:]": r"a-z",
                  "[:xdigit:]": r"0-9A-Fa-f", "[:punct:]": r"!-/:-@\[-`{-~"}


@builtin("make-regexp")
def _make_regexp(ev, args):
    import re
    pattern = ev.string(args[0])
    for posix, python in _POSIX_CLASSES.items():
        pattern = pattern.replace(posix, python)
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(pattern)
    except re.error:
        raise EvalFailure("unsupported-regexp", pattern) from None


@builtin("regexp-exec")
def _regexp_exec(ev, args):
    import re
    rx = ev.force(args[0])
    if not isinstance(rx, re.Pattern):
        raise EvalFailure("not-a-regexp", _repr(rx, 40))
    m = rx.search(ev.string(args[1]))
    return m if m is not None else False


@builtin("string-match")
def _string_match(ev, args):
    return _regexp_exec(ev, [_make_regexp(ev, [args[0]]), args[1]])


@builtin("match:substring")
def _match_substring(ev, args):
    import re
    m = ev.force(args[0])
    if not isinstance(m, re.Match):
        raise EvalFailure("not-a-match", _repr(m, 40))
    group = m.group(_int(ev, args[1]) if len(args) > 1 else 0)
    return group if group is not None else False


# -- promises and association lists ------------------------------------------------------

@builtin("force")
def _force(ev, args):
    _arity(args, 1)
    promise = args[0]
    while type(promise) is GlobalRef:
        promise = ev.scope.force_ref(promise)
    if type(promise) is Promise and promise.forced is not None:
        try:
            return ev.force(promise.forced)
        except EvalFailure:
            pass  # what static evaluation keeps of it, as before it was forced
    return ev.force(promise)


# -- g-expressions (values of #~, see interpreter._gexp) ----------------------------------

def _gexp_of(ev, value, name):
    value = ev.force(value)
    if type(value) is Unknown:
        raise EvalFailure("gexp", f"{name} of {value.text[:80]}")
    if type(value) is not Record or value.type != "<gexp>":
        raise EvalFailure("not-a-gexp", f"{name}: {_repr(value, 60)}")
    return value


@builtin("gexp?")
def _gexp_p(ev, args):
    _arity(args, 1)
    value = ev.force(args[0])
    return type(value) is Record and value.type == "<gexp>"


def _gexp_inputs_of(ev, gexp, native, out, depth):
    if depth > 64:
        raise EvalFailure("recursion-too-deep", "gexp-inputs")
    for item, item_native in zip(gexp.fields["references"], gexp.fields["natives"]):
        try:
            thing = ev.force(item.thing)
        except EvalFailure as failure:
            # Kept, as what it is: a predicate says #f of it, an accessor fails.
            thing = Unknown(failure.kind, str(failure.detail)[:200])
        if type(thing) is Record and thing.type == "<gexp>":
            _gexp_inputs_of(ev, thing, native or item_native, out, depth + 1)
        elif type(thing) is Record and thing.type == "<gexp-output>":
            continue
        elif type(thing) in (PackageValue, OriginValue, Record, Unknown):
            out.append(InputItem(None, thing, item.output))


@builtin("gexp-inputs")
def _gexp_inputs(ev, args):
    """The file-like objects a g-expression refers to, nested g-expressions'
    included (``gexp-inputs`` of (guix gexp)); strings and other plain values
    are no inputs."""
    _arity(args, 1)
    out: list = []
    _gexp_inputs_of(ev, _gexp_of(ev, args[0], "gexp-inputs"), False, out, 0)
    return out


def _gexp_input(ev, args, who):
    """The one argument of a ``gexp-input`` accessor, checked to be one."""
    _arity(args, 1)
    item = ev.force(args[0])
    if type(item) is not InputItem:
        raise EvalFailure("not-a-record", f"{who}: {_repr(item, 60)}")
    return item


@builtin("gexp-input-thing")
def _gexp_input_thing(ev, args):
    return _gexp_input(ev, args, "gexp-input-thing").thing


@builtin("gexp-input-output")
def _gexp_input_output(ev, args):
    item = _gexp_input(ev, args, "gexp-input-output")
    return item.output if item.output is not None else "out"


def _alist_key(ev, entry):
    entry = ev.force(entry)
    if type(entry) is InputItem:
        from guixml.evaluate.fields import input_label
        return input_label(ev, entry)
    if type(entry) is DottedList:
        return ev.force(entry.items[0])
    if isinstance(entry, list) and entry:
        return ev.force(entry[0])
    return None


@builtin("alist-delete")
def _alist_delete(ev, args):
    _arity(args, 2, 3)
    from guixml.scheme.datum import equal
    key = ev.force(args[0])
    return [e for e in ev.list(args[1]) if not equal(_alist_key(ev, e), key)]


@builtin("alist-replace")
def _alist_replace(ev, args):
    _arity(args, 3)
    from guixml.scheme.datum import equal
    key = ev.force(args[0])
    value = ev.force(args[1])
    if not isinstance(value, list):
        # (KEY . VALUE) of any other value: a phase of modify-phases …
        return [DottedList([key], value) if equal(_alist_key(ev, e), key) else e
                for e in ev.list(args[2])]
    out = []
    for e in ev.list(args[2]):
        if equal(_alist_key(ev, e), key):
            if type(ev.force(e)) is InputItem or isinstance(key, str):
                output = value[1] if len(value) > 1 else None
                e = InputItem(key, value[0] if value else False, output)
            else:
                e = [key] + value
        out.append(e)
    return out


# -- version comparison (strverscmp semantics, as (guix utils) uses) -------------------

def _version_key(version: str) -> list:
    import re
    return [(0, int(p), "") if p.isdigit() else (1, 0, p)
            for p in re.findall(r"\d+|\D+", version)]


def _version_compare(a: str, b: str) -> int:
    ka, kb = _version_key(a), _version_key(b)
    return (ka > kb) - (ka < kb)


@builtin("version-compare")
def _version_compare_builtin(ev, args):
    _arity(args, 2)
    r = _version_compare(ev.string(args[0]), ev.string(args[1]))
    return sym(">") if r > 0 else sym("<") if r < 0 else sym("=")


for _name, _test in (("version>?", lambda r: r > 0), ("version>=?", lambda r: r >= 0),
                     ("version<?", lambda r: r < 0), ("version<=?", lambda r: r <= 0),
                     ("version=?", lambda r: r == 0)):
    BUILTINS[_name] = Builtin(_name, (lambda test: lambda ev, args: test(
        _version_compare(ev.string(args[0]), ev.string(args[1]))))(_test))


#: The definitions under evaluation, innermost last, each with how many
#: symbols gensym has made in it: [owner, count].
_gensym_scopes: list[list] = [["", 0]]


def enter_definition(owner: str) -> None:
    """Start counting gensym's symbols, and the evaluation budget, for the
    definition OWNER (``module name``)."""
    _gensym_scopes.append([owner, 0])
    budget.enter()


def leave_definition() -> None:
    _gensym_scopes.pop()
    budget.leave()


@builtin("gensym")
def _gensym(ev, args):
    # Guile counts on for the whole run; counting that way here would make a
    # package's fields depend on what was evaluated before it, and on how
    # linking is shared among processes.  So the count restarts in each
    # definition and the definition's name keeps the symbols of two
    # definitions apart: the same tree gives the same symbols, always.
    scope = _gensym_scopes[-1]
    scope[1] += 1
    prefix = ev.string(args[0]) if args else " g"
    return sym(f"{prefix}{scope[1]}@{scope[0]}" if scope[0] else f"{prefix}{scope[1]}")


# -- more strings and characters ------------------------------------------------------------

@builtin("string-length")
def _string_length(ev, args):
    _arity(args, 1)
    return len(ev.string(args[0]))


@builtin("string->number")
def _string_to_number(ev, args):
    _arity(args, 1, 2)
    s = ev.string(args[0])
    base = _int(ev, args[1]) if len(args) > 1 else 10
    if base not in (2, 8, 10, 16):
        raise EvalFailure("unsupported-argument", "string->number")
    # Guile's own parser (Python's int() and float() take spaces, "1_000", "inf").
    try:
        value = parse_number(s, base)
    except NumberRangeError:
        raise EvalFailure("out-of-range", _repr(s)) from None
    return False if value is None else value


def _char_test(ev, pred):
    """A character predicate: a character, or a procedure on characters."""
    from guixml.scheme.datum import Char
    p = ev.force(pred)
    if type(p) is Char:
        return lambda c: c == str(p)
    return lambda c: ev.force(ev.apply(p, [Char(c)], None)) is not False


@builtin("string-delete")
def _string_delete(ev, args):
    _arity(args, 2)
    pred, s = ev.force(args[0]), ev.force(args[1])
    if type(pred) is str:  # (string-delete S CHAR-PRED), the older argument order
        pred, s = s, pred
    test = _char_test(ev, pred)
    return "".join(c for c in ev.string(s) if not test(c))


@builtin("string-filter")
def _string_filter(ev, args):
    _arity(args, 2)
    pred, s = ev.force(args[0]), ev.force(args[1])
    if type(pred) is str:
        pred, s = s, pred
    test = _char_test(ev, pred)
    return "".join(c for c in ev.string(s) if test(c))


@builtin("char=?")
def _char_eq(ev, args):
    values = [str(ev.force(a)) for a in args]
    return all(v == values[0] for v in values)


@builtin("string-ref")
def _string_ref(ev, args):
    from guixml.scheme.datum import Char
    _arity(args, 2)
    s = ev.string(args[0])
    i = _int(ev, args[1])
    if not 0 <= i < len(s):
        raise EvalFailure("index-out-of-range", str(i))
    return Char(s[i])


@builtin("string-trim-both", "string-trim", "string-trim-right")
def _string_trim(ev, args):
    return ev.string(args[0]).strip()


@builtin("string->list")
def _string_to_list(ev, args):
    from guixml.scheme.datum import Char
    return [Char(c) for c in ev.string(args[0])]


@builtin("list->string")
def _list_to_string(ev, args):
    return "".join(str(ev.force(c)) for c in ev.list(args[0]))


@builtin("zero?")
def _zerop(ev, args):
    _arity(args, 1)
    return _numbers(ev, args)[0] == 0


@builtin("positive?")
def _positivep(ev, args):
    _arity(args, 1)
    return _numbers(ev, args)[0] > 0


@builtin("negative?")
def _negativep(ev, args):
    _arity(args, 1)
    return _numbers(ev, args)[0] < 0


@builtin("apply")
def _apply(ev, args):
    if len(args) < 2:
        raise EvalFailure("bad-arguments", "apply")
    return ev.apply(ev.force(args[0]), list(args[1:-1]) + ev.list(args[-1]), None)


@builtin("string-prefix-ci?")
def _string_prefix_ci(ev, args):
    _arity(args, 2)
    return ev.string(args[1]).lower().startswith(ev.string(args[0]).lower())


# -- package specifications ((gnu packages)) ----------------------------------------------

def _version_prefix(prefix: str, version: str) -> bool:
    """version-prefix? of (guix utils): PREFIX's dot-separated parts begin VERSION's."""
    a, b = prefix.split("."), version.split(".")
    return len(a) <= len(b) and a == b[:len(a)]


@builtin("specification->package")
def _specification_to_package(ev, args):
    """``(specification->package "NAME[@VERSION]")`` of (gnu packages): the
    public package of that name (of every tree given) with the highest version
    (or the highest whose version VERSION prefixes), its replacement when it
    is superseded.  Packages whose name static evaluation of their own module
    did not find (computed names) are not candidates."""
    _arity(args, 1)
    spec = ev.string(args[0])
    name, version = (spec.rsplit("@", 1) if "@" in spec else (spec, None))
    best: list = []
    best_version: str | None = None
    seen: set[int] = set()
    for candidate in ev.scope.packages_named(name):
        pkg = ev.force(candidate)
        if type(pkg) is not PackageValue or id(pkg) in seen or pkg.hidden:
            continue
        seen.add(id(pkg))
        from guixml.evaluate.fields import field_value
        v = ev.force(field_value(ev, pkg, "version"))
        if type(v) is not str or (version is not None and not _version_prefix(version, v)):
            continue
        if best_version is None or _version_compare(v, best_version) > 0:
            best, best_version = [pkg], v
    if not best:
        raise EvalFailure("unknown-package", f"{spec} (no package of that name among "
                          "those whose name guixml evaluated in their own module)")
    pkg = best[0]
    return pkg.superseded if pkg.superseded is not None else pkg
