"""Channel phase, last step: package values become packed packages (:mod:`guixml.index.packed`).

Everything left symbolic per file (references to other modules, residual
calls, labels that depend on another package's name) is forced here against
the whole channel.  A field that still does not evaluate is kept as an
:class:`~guixml.evaluate.model.Unresolved` on the package, never guessed.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

from guixml.evaluate.budget import BudgetExceeded
from guixml.evaluate.builtins import enter_definition, leave_definition
from guixml.evaluate.fields import MAX_DEPTH
from guixml.scheme.datum import DottedList, Symbol
from guixml.evaluate.interpreter import Evaluator, field_value, input_label
from guixml.evaluate.model import Origin
from guixml.index.packed import unorigin
from guixml.evaluate.values import (Builtin, Call, Closure, EvalFailure, GlobalRef, InputItem,
                           NeedGlobal, OriginValue, PackageValue, Promise, Record, Unknown)

from guixml.index.progress import report

if TYPE_CHECKING:
    from guixml.index.channel import ChannelIndex

__all__ = ["link_packed", "link_parallel", "package_value_packed", "package_name_table"]

_FAILURES = (EvalFailure, NeedGlobal, RecursionError)
# What ends a whole definition: also its evaluation budget, spent while its
# package's fields are linked (evaluated in its own definition, it is an
# EvalFailure already).
_DEFINITION_FAILURES = (*_FAILURES, BudgetExceeded)
_NOT_SEEN = object()


def link_packed(index: "ChannelIndex", modules: list[str],
                on_module=None) -> tuple[list[tuple], list[str]]:
    """The public packages of MODULES, in the packed form of :mod:`guixml.index.packed`, and
    the definitions that did not evaluate.

    Linking builds the packed tuples directly: hundreds of thousands of model
    objects (inputs, locations) would cost more than the linking itself, and
    :class:`guixml.index.packed.PackedPackages` decodes a package when it is used.
    """
    packages: list[tuple] = []
    errors: list[str] = []
    for count, module in enumerate(modules):
        if on_module is not None:
            on_module(count)
        summary = index.summaries[module]
        for name, d in summary.defs.items():
            if not summary.is_exported(name) or d.kind in ("procedure", "syntax", "alias",
                                                           "record-procedure",
                                                           "record-syntax"):
                continue
            # What forcing the value and its fields evaluates belongs to this
            # definition (see gensym in guixml.evaluate.builtins).
            enter_definition(f"{name} {module}")
            try:
                try:
                    value = index.definition_value(module, name)
                    scope = index.scope(module)
                    value = scope.evaluator.force(value)
                    if type(value) is PackageValue:  # (no continue in try: mypyc)
                        problem = inheritance_problem(scope.evaluator, value)
                        if problem is not None:
                            raise EvalFailure(*problem)
                        packages.append(package_value_packed(
                            index, module, summary.file, name, value,
                            d.generator or value.generator, (d.line, d.column)))
                except _DEFINITION_FAILURES as failure:
                    errors.append(f"{summary.file}:{d.line}:{d.column}: {name}: "
                                  f"not evaluated ({_describe(failure)})")
            finally:
                leave_definition()
    return packages, errors


def link_parallel(index: "ChannelIndex", modules: list[str], jobs: int,
                  for_cache: bool = True) -> tuple[list[tuple], list[str], list[bytes]]:
    """What :func:`link_packed` gives, with the modules split among JOBS
    processes, and the packed packages of each share as the cache keeps them.

    This process links the first share while forked workers link the others
    (:mod:`guixml.index.forking`) and send back their packed packages (``marshal``).
    Workers evaluate again what their modules share with the others' (library
    definitions, inherited parents), so the CPU time grows a little while the
    wall time shrinks.  The packages and errors are those of
    :func:`link_packed`, in the same order (gensym counts per definition, so
    no evaluation depends on what another process evaluated before).  Each
    share comes back as the ``marshal`` bytes of its (packages, errors), which
    the whole-channel cache stores as they are (none without FOR_CACHE); a
    worker's also carry the library modules it looked up, gathered in
    ``index.library_used``.  A worker that fails or hangs has its modules
    linked here instead.
    """
    import marshal
    from guixml.index.forking import run_shares
    from guixml.index.sealed import decode_verified
    chunks = _shares(index, modules, jobs)
    total = len(modules)
    # Counted by this process's share, which the others' keep pace with (the
    # shares hold about as many definitions each).
    scale = total / len(chunks[0]) if chunks and chunks[0] else 1.0

    def linked(count: int) -> None:
        report("linking modules", min(total, int(count * scale)), total)

    def first() -> tuple[list[tuple], list[str], bytes]:
        packed, errors = link_packed(index, chunks[0], linked)
        # Marshalled for the cache now, while the workers are still at theirs.
        return packed, errors, marshal.dumps((packed, [])) if for_cache else b""

    def share(k: int) -> bytes:
        more, more_errors = link_packed(index, chunks[k])
        # And the library modules this worker looked up (see library_used).
        return marshal.dumps((more, more_errors, sorted(index.library_modules())))

    (packed, errors, blob), sent = run_shares(share, len(chunks), first)
    report("linking modules", total, total)
    shares = [blob]
    for k, share_blob in enumerate(sent, start=1):
        if share_blob is None:  # that worker failed: its share is linked here
            more, more_errors = link_packed(index, chunks[k])
            share_blob = marshal.dumps((more, [])) if for_cache else b""
        else:
            # From this process's own forked worker, through a pipe.
            more, more_errors, used = decode_verified("marshal", share_blob)
            index.library_used.update(used)
        shares.append(share_blob)
        packed.extend(more)
        errors.extend(more_errors)
    return packed, errors, shares if for_cache else []


def _shares(index: "ChannelIndex", modules: list[str], jobs: int) -> list[list[str]]:
    """MODULES cut, in order, into up to JOBS runs with about as many definitions each."""
    weights = [len(index.summaries[m].defs) for m in modules]
    total = sum(weights)
    if jobs < 2 or len(modules) < 2 * jobs or total == 0:
        return [list(modules)]
    chunks: list[list[str]] = [[]]
    done = 0
    for module, weight in zip(modules, weights):
        if done >= total * len(chunks) / jobs and len(chunks) < jobs:
            chunks.append([])
        chunks[-1].append(module)
        done += weight
    return [c for c in chunks if c]


def _reference_input(field: str, item: InputItem, info: tuple, file: str) -> tuple:
    """The packed input (guixml.index.packed) of ITEM, a reference to a package
    variable whose (ref, module, name, version) INFO is known."""
    ref, module, name, version = info
    return (field, "package", ref, item.label if item.label is not None else name,
            item.output or "out", None, module,
            (file, item.line, item.column) if item.line else None, None, name, version)


def inheritance_problem(ev: Evaluator, pkg: PackageValue) -> tuple[str, str] | None:
    """Why PKG's ``inherit`` chain cannot be followed (a cycle, or more than
    MAX_DEPTH parents: Guix itself could not load a cycle), as an EvalFailure's
    (kind, detail); None when it can (a parent that does not evaluate is a
    problem of the fields it should give, reported with them)."""
    seen = {id(pkg)}
    # The parents are kept alive while walking: a parent forced afresh and
    # freed could hand its id to the next one (a cycle that is not there).
    alive = [pkg]
    for _ in range(MAX_DEPTH):
        parent = pkg.parent
        if parent is None:
            return None
        try:
            pkg = ev.force(parent)
        except _FAILURES:
            return None
        if type(pkg) is not PackageValue:
            return None
        if id(pkg) in seen:
            return ("inherit-cycle", _render(parent))
        seen.add(id(pkg))
        alive.append(pkg)
    return ("inheritance-too-deep", f"more than {MAX_DEPTH} parents")


def _describe(failure: BaseException) -> str:
    """Why a definition was not evaluated, in one line: "guixml cannot
    evaluate X yet" first when that is guixml's limit (``[limits]`` of
    ``data/evaluation.toml``), then the failure's kind and detail."""
    if isinstance(failure, BudgetExceeded):
        return f"budget-exceeded: {failure.what}"[:160]
    if isinstance(failure, EvalFailure):
        kind, detail = failure.kind, " ".join(str(failure.detail).split())
    elif isinstance(failure, RecursionError):
        kind, detail = "recursion-too-deep", ""
    else:
        return f"unresolved: {failure}"
    text = f"{kind}: {detail}"[:160] if detail else kind
    subject = _LIMITS.get(kind)
    if subject == "name":
        subject = f"`{detail.split()[0]}`" if detail else None
    return f"guixml cannot evaluate {subject} yet; {text}" if subject else text


def _limits() -> dict[str, str]:
    import tomllib
    from importlib.resources import files
    data = tomllib.loads(files("guixml").joinpath("data/evaluation.toml").read_text("utf-8"))
    return dict(data.get("limits", {}))


_LIMITS = _limits()


def package_name_table(index: "ChannelIndex") -> dict[str, list[tuple[str, str]]]:
    """Package name -> (module, variable) of the public packages with that name."""
    table: dict[str, list[tuple[str, str]]] = {}
    for module in index.channel_modules:
        summary = index.summaries[module]
        for name, d in summary.defs.items():
            if not summary.is_exported(name) or d.status != "value":
                continue
            value = d.value
            if type(value) is PackageValue and type(value.fields.get("name")) is str:
                table.setdefault(value.fields["name"], []).append((module, name))
    return table


class _Linker:
    def __init__(self, index: "ChannelIndex", module: str, file: str) -> None:
        self.index = index
        self.ev: Evaluator = index.scope(module).evaluator
        self.module = module
        self.file = file
        #: (kind, field, text, location tuple), as :mod:`guixml.index.packed` keeps them.
        self.unresolved: list[tuple] = []

    def note(self, kind: str, field: str, text: str, where: Any = None) -> None:
        loc = None
        if where is not None and getattr(where, "line", 0):  # type: ignore[arg-type]
            loc = (getattr(where, "file", "") or self.file, where.line, where.column)
        self.unresolved.append((kind, field, text, loc))

    def field(self, pkg: PackageValue, name: str, default: Any = None) -> Any:
        if type(pkg) is PackageValue:
            fields = pkg.fields
            if name in fields:  # written in this package: most fields
                return fields[name]
        try:
            return field_value(self.ev, pkg, name, default)
        except _FAILURES as failure:
            self.note(_kind(failure), name, _describe(failure), pkg)
            return default

    def string(self, value: Any, field: str, where: Any = None) -> str | None:
        if type(value) is str:
            return value
        if value is None or value is False:
            return None
        try:
            forced = self.ev.force(value)
        except _FAILURES as failure:
            self.note(_kind(failure), field, _describe(failure), where)
            return None
        if type(forced) is str:
            return forced
        if type(forced) is Unknown:
            self.note(forced.kind, field, forced.text, where)
            return None
        self.note("not-a-string", field, _render(forced)[:200], where)
        return None

    # -- origins ----------------------------------------------------------------

    def origin(self, value: OriginValue, field: str) -> Origin | None:
        """The model origin of VALUE (its problems noted under FIELD)."""
        return unorigin(self.origin_packed(value, field))

    def origin_packed(self, value: OriginValue, field: str) -> tuple:
        ev = self.ev
        fv = lambda name, default=None: self._origin_field(value, name, default, field)  # noqa: E731
        method = fv("method")
        method_name = method if type(method) is str else (
            method.name if type(method) is GlobalRef else None)
        uris: list[str] = []
        commit = None
        uri = fv("uri")
        try:
            uri = ev.force(uri) if uri is not None else None
        except _FAILURES as failure:
            self.note(_kind(failure), field + ".uri", _describe(failure), value)
            uri = None
        if type(uri) is str:
            uris.append(uri)
        elif isinstance(uri, list):
            for u in uri:
                s = self.string(u, field + ".uri", value)
                if s is not None:
                    uris.append(s)
        elif type(uri) is Record:
            url = uri.fields.get("url")
            s = self.string(url, field + ".uri", value) if url is not None else None
            if s is not None:
                uris.append(s)
            for key in ("commit", "revision", "changeset", "tag", "check-in"):
                if key in uri.fields:
                    try:
                        c = ev.force(uri.fields[key])
                    except _FAILURES as failure:
                        self.note(_kind(failure), field + ".commit", _describe(failure), value)
                        c = None
                    commit = c if type(c) is str else (str(c) if type(c) is int else None)
                    break
        elif type(uri) is Unknown:
            self.note(uri.kind, field + ".uri", uri.text, value)
        elif uri is not None:
            self.note("uri-expression", field + ".uri", _render(uri)[:200], value)
        file_name = self.string(fv("file-name"), field + ".file-name", value)
        sha = fv("sha256")
        sha256 = self.string(sha, field + ".sha256", value) if type(sha) is not Record else None
        patches = []
        raw_patches = fv("patches", [])
        try:
            raw_patches = ev.force(raw_patches)
        except _FAILURES:
            raw_patches = []
        if isinstance(raw_patches, list):
            for p in raw_patches:
                try:
                    p = ev.force(p)
                except _FAILURES:
                    continue
                if type(p) is str:
                    patches.append(p)
        return (method_name, tuple(uris), commit, file_name, sha256, tuple(patches),
                (value.file or self.file, value.line, value.column) if value.line else None)

    def _origin_field(self, value: OriginValue, name: str, default: Any, field: str) -> Any:
        try:
            return field_value(self.ev, value, name, default)
        except _FAILURES as failure:
            self.note(_kind(failure), f"{field}.{name}", _describe(failure), value)
            return default

    # -- inputs -----------------------------------------------------------------

    def inputs(self, pkg: PackageValue, field: str) -> tuple[tuple, ...]:
        value = self.field(pkg, field, [])
        if type(value) is Unknown:
            self.note(value.kind, field, value.text, value)
            return ()
        if not isinstance(value, list):
            try:
                from guixml.evaluate.interpreter import as_input_items
                value = as_input_items(self.ev, value)
            except _FAILURES as failure:
                self.note(_kind(failure), field, _describe(failure), pkg)
                return ()
        out = []
        memo = self.index._reference_memo
        file = self.file
        for item in value:
            if type(item) is not InputItem:
                item = InputItem(None, item)
            thing = item.thing
            output = item.output
            if type(thing) is GlobalRef and (output is None or type(output) is str):
                # What :meth:`input` does for a reference already worked out,
                # without the calls (measured: linking all of Guix took 3.2-3.9
                # CPU-seconds without this, 2.5-2.9 with it).
                info = memo.get((thing.module, thing.name, thing.direct), _NOT_SEEN)
                if info is not _NOT_SEEN and info is not None:
                    out.append(_reference_input(field, item, info, file))
                    continue
            out.append(self.input(item, field))
        return tuple(out)

    def input(self, item: InputItem, field: str) -> tuple:
        """The packed input (:mod:`guixml.index.packed`) ITEM of FIELD stands for."""
        thing = item.thing
        if type(thing) is GlobalRef and (item.output is None or type(item.output) is str):
            # The common case, a reference to a package variable: what it names is
            # the same for every package listing it, so it is worked out once.
            info = self._reference_info(thing)
            if info is not None:
                return _reference_input(field, item, info, self.file)
        return self._input(item, field,
                           (self.file, item.line, item.column) if item.line else None)

    def _reference_info(self, thing: GlobalRef) -> tuple | None:
        memo = self.index._reference_memo
        key = (thing.module, thing.name, thing.direct)
        if key in memo:
            return memo[key]
        info = None
        where = self.index.resolve(thing)
        if where is not None:
            try:
                forced = self.ev.force(thing)
            except _FAILURES:
                forced = None
            if type(forced) is PackageValue:
                name = field_value_safe(self.ev, forced, "name")
                version = field_value_safe(self.ev, forced, "version")
                try:
                    name = self.ev.force(name)
                    version = self.ev.force(version)
                except _FAILURES:
                    name = version = None
                if type(name) is str and type(version) is str:
                    info = (where[1], where[0], name, version)
        memo[key] = info
        return info

    def _input(self, item: InputItem, field: str, loc: tuple | None) -> tuple:
        ev = self.ev
        try:
            label = input_label(ev, item)
        except _FAILURES as failure:
            self.note(_kind(failure), field, _describe(failure), item)
            label = None
        output = "out"
        if item.output is not None:
            try:
                o = ev.force(item.output)
                if type(o) is str:
                    output = o
            except _FAILURES:
                pass
        thing = item.thing
        ref = module = None
        while type(thing) is Promise:
            thing = thing.value
        if type(thing) is GlobalRef:
            ref = thing.name
            where = self.index.resolve(thing)
            module = where[0] if where else None
            if where:
                ref = where[1]
        try:
            forced = ev.force(thing)
        except _FAILURES as failure:
            self.note(_kind(failure), field, _describe(failure), item)
            return (field, "other", ref, label, output, None, module, loc, _render(thing),
                    None, None)
        if type(forced) is PackageValue:
            name = self.string(field_value_safe(ev, forced, "name"), field, item)
            version = self.string(field_value_safe(ev, forced, "version"), field, item)
            return (field, "package", ref, label, output, None, module, loc, None, name,
                    version)
        if type(forced) is OriginValue:
            return (field, "origin", ref, label, output, self.origin_packed(forced, field),
                    module, loc, None, None, None)
        if type(forced) is Unknown:
            self.note(forced.kind, field, forced.text, forced)
        return (field, "other", ref, label, output, None, module, loc, _render(forced), None,
                None)

    # -- licences, properties -------------------------------------------------------

    def licenses(self, pkg: PackageValue) -> tuple[tuple, ...]:
        value = self.field(pkg, "license")
        out: list[Any] = []
        self._license(value, out, 0)
        return tuple(out)

    def _license(self, value: Any, out: list, depth: int) -> None:
        if depth > 4 or value is None:
            return
        t = type(value)
        if t is GlobalRef:
            where = self.index.resolve(value)
            if where is not None and where[0] != "(guix licenses)":
                try:
                    forced = self.ev.force(value)
                except _FAILURES:
                    forced = None
                if isinstance(forced, list) or type(forced) in (GlobalRef, Call):
                    self._license(forced, out, depth + 1)
                    return
            out.append((value.name, where[1] if where else _strip_prefix(value.name), None))
        elif isinstance(value, list):
            for v in value:
                self._license(v, out, depth + 1)
        elif t is Call and type(value.fn) is GlobalRef:
            uri = next((a for a in value.args if type(a) is str), None)
            where = self.index.resolve(value.fn)
            out.append((value.fn.name, where[1] if where else _strip_prefix(value.fn.name),
                        uri))
        elif t is Unknown:
            out.append((value.text, None, None))
        elif t is Record:
            out.append((_render(value), None, None))

    def properties(self, pkg: PackageValue) -> tuple[tuple[str, Any], ...] | None:
        value = self.field(pkg, "properties")
        if value is None:
            return None
        try:
            value = self.ev.force(value)
        except _FAILURES as failure:
            self.note(_kind(failure), "properties", _describe(failure), pkg)
            return None
        if not isinstance(value, list):
            self.note("properties-expression", "properties", _render(value)[:200], pkg)
            return None
        out = []
        for entry in value:
            if type(entry) is DottedList and len(entry.items) == 1:
                out.append((str(entry.items[0]), _plain(entry.tail)))
            elif isinstance(entry, list) and entry:
                out.append((str(entry[0]), _plain(entry[1:])))
        return tuple(out)


def field_value_safe(ev: Evaluator, pkg: Any, name: str) -> Any:
    try:
        return field_value(ev, pkg, name)
    except _FAILURES:
        return None


def _kind(failure: BaseException) -> str:
    if isinstance(failure, EvalFailure):
        return failure.kind
    if isinstance(failure, RecursionError):
        return "recursion-too-deep"
    return "unresolved"


def _strip_prefix(name: str) -> str:
    return name.split(":", 1)[1] if ":" in name else name


def _plain(value: Any) -> Any:
    """A property value as plain data (references shown by name)."""
    t = type(value)
    if t is list:
        return [_plain(v) for v in value]
    if t is DottedList:
        return DottedList([_plain(v) for v in value.items], _plain(value.tail))
    if t is Promise:
        return _plain(value.value)
    if t is GlobalRef:
        return Symbol(value.name)
    if t is PackageValue:
        return Symbol("#<package>")
    if t in (Unknown, Call, OriginValue, Record, Closure, Builtin):
        return Symbol(f"#<{_render(value)[:60]}>")
    return value


def _render(value: Any) -> str:
    t = type(value)
    if t is Unknown:
        return value.text
    if t is GlobalRef:
        return value.name
    if t is Call:
        return f"({_render(value.fn)} …)"
    if t is str:
        return value
    if t is Record:
        # A record of Guix (a file-like object, a g-expression): its type and
        # name, as Guile prints it, never the Python representation.
        name = value.fields.get("name")
        kind = value.type.strip("<>")
        return f"#<{kind} {name}>" if type(name) is str else f"#<{kind}>"
    return repr(value)


def _wrapped_location(ev: Evaluator, pkg: PackageValue, file: str,
                      definition: tuple[int, int] | None) -> tuple | None:
    """Where a package that no ``(package …)`` form of its own wrote is
    defined: the form a wrapper (``hidden-package``, ``deprecated-package``…)
    wraps when written inline in FILE, else the definition binding it (a
    package a procedure made: the call that made it)."""
    seen = 0
    while type(pkg) is PackageValue and not pkg.line and seen < 50 \
            and pkg.parent is not None and type(pkg.parent) is not GlobalRef:
        seen += 1
        try:
            pkg = ev.force(pkg.parent)
        except _FAILURES:
            break
    if type(pkg) is PackageValue and pkg.line and (pkg.file or file) == file:
        return (file, pkg.line, pkg.column)
    return (file, *definition) if definition else None


def _chain(ev: Evaluator, pkg: PackageValue):
    seen = 0
    while type(pkg) is PackageValue and seen < 50:
        yield pkg
        seen += 1
        if pkg.parent is None:
            return
        try:
            pkg = ev.force(pkg.parent)
        except _FAILURES:
            return


def origin_model(index: "ChannelIndex", module: str, file: str, value: OriginValue) -> Origin | None:
    """The model :class:`Origin` of the evaluated origin VALUE, defined in MODULE (FILE)."""
    return _Linker(index, module, file).origin(value, "origin")


def package_value_packed(index: "ChannelIndex", module: str, file: str,
                         variable: str | None, pkg: PackageValue,
                         generator: str | None = None,
                         definition: tuple[int, int] | None = None) -> tuple:
    """The packed package (:mod:`guixml.index.packed`) of PKG, bound to VARIABLE of
    MODULE (defined in FILE, at line and column DEFINITION)."""
    link = _Linker(index, module, file)
    ev = link.ev
    name = link.string(link.field(pkg, "name"), "name", pkg)
    version = link.string(link.field(pkg, "version"), "version", pkg)
    source = link.field(pkg, "source")
    origin = None
    if source is not None and source is not False:
        try:
            forced = ev.force(source)
        except _FAILURES as failure:
            link.note(_kind(failure), "source", _describe(failure), pkg)
            forced = None
        if type(forced) is OriginValue:
            origin = link.origin_packed(forced, "source")
        elif type(forced) is Unknown:
            link.note(forced.kind, "source", forced.text, forced)
    hidden = False
    superseded = None
    for p in _chain(ev, pkg):
        if p.hidden:
            hidden = True
            break
        if p.superseded is not None:
            target = p.superseded
            superseded = target.name if type(target) is GlobalRef else "#<package>"
            break
        if "properties" in p.fields:
            break
    properties = link.properties(pkg)
    if properties is not None:
        keys = {k for k, _ in properties}
        hidden = hidden or "hidden?" in keys
    inherit = pkg.parent.name if type(pkg.parent) is GlobalRef else None
    for p in _chain(ev, pkg):
        if type(p.parent) is GlobalRef and not p.fields:
            continue
        inherit = p.parent.name if type(p.parent) is GlobalRef else inherit
        break
    for kind, field, text, line, column in pkg.unresolved:
        link.unresolved.append((kind, field, text, (pkg.file or file, line, column)))
    build_system = link.field(pkg, "build-system")
    # The order of these calls is the order problems are noted in.
    inputs = link.inputs(pkg, "inputs")
    native_inputs = link.inputs(pkg, "native-inputs")
    propagated_inputs = link.inputs(pkg, "propagated-inputs")
    synopsis = link.string(link.field(pkg, "synopsis"), "synopsis", pkg)
    description = link.string(link.field(pkg, "description"), "description", pkg)
    home_page = link.string(link.field(pkg, "home-page"), "home-page", pkg)
    licenses = link.licenses(pkg)
    return (module, file, variable, name, version,
            (pkg.file or file, pkg.line, pkg.column) if pkg.line
            else _wrapped_location(ev, pkg, file, definition),
            origin, build_system if type(build_system) is str else None,
            inputs, native_inputs, propagated_inputs, synopsis, description, home_page,
            licenses, None if properties is None else pickle.dumps(properties, protocol=5),
            inherit, True, hidden, superseded is not None, superseded, generator,
            tuple(dict.fromkeys(link.unresolved)), pkg.form if pkg.line else None,
            tuple((field, *span) for field, span in pkg.spans.items()) if pkg.line else ())
