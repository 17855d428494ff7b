"""The channel index: every module and package of a channel, with inputs resolved.

Public API::

    from guixml.index.channel import load_channel
    index = load_channel(["path/to/guix-checkout"])          # or a channel root
    for package in index.packages():                          # guixml.evaluate.model.Package
        for item in package.inputs:                           # guixml.evaluate.model.Input
            print(item.label, item.module, item.ref, item.name, item.version)
    index.modules["(gnu packages games)"]                      # guixml.evaluate.model.Module
    index.package("(gnu packages games)", "stockfish")        # one Package or None
    index.users_of("(gnu packages games)", "stockfish")        # who uses whom
    index.dependencies(package)                                # (module, variable) pairs
    index.errors                                               # problems, with locations

``load_channel(paths, *, jobs=None, use_cache=True)`` accepts Guix checkouts
(directories holding ``gnu/packages``: the package modules are those under
``gnu/packages``, and ``guix/…`` modules serve as a library for procedures
such as ``pypi-uri``), channel roots (every ``.scm`` under them), or single
``.scm`` files.  Module names are read from each file's ``define-module``.

How it works: each file is read and evaluated on its own, in parallel
(:mod:`guixml.evaluate.summary`; results cached by content in :mod:`guixml.index.cache`
as they arrive), and so are the library modules the channel imports, queued
before the files (guessed from their ``define-module`` heads) or as soon as
a file importing them is read; then references between modules are resolved
through each module's imports (``#:select``, ``#:prefix``, ``#:hide``,
``#:renamer``) and the package values are turned into packages
(:mod:`guixml.index.link`, the modules shared among forked processes), kept packed
(:mod:`guixml.index.packed`) and decoded into :class:`guixml.evaluate.model.Package`
objects when first used.  A module that does not parse, or a definition that
does not evaluate, is reported in :attr:`ChannelIndex.errors` with its
location and skipped.

What keeps it fast: resolution looks names up in an inverted index of
exports (module names by exported name) instead of scanning each module's
imports; what a reference names is remembered; linking builds packed tuples,
not hundreds of thousands of model objects; the cyclic garbage collector
is paused while the index is built.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from guixml.index.cache import file_stamp
from guixml.index.sealed import decode_verified
from guixml.index.collector import gc_paused
from guixml.index.progress import report
from guixml.scheme.datum import Location, Source
from guixml.errors import GuixmlError
from guixml.scheme.errors import EncodingError, decode_utf8
from guixml.evaluate.interpreter import BUILTINS
from guixml.index.scope import ChannelScope
from guixml.index.forking import WORKER_TIMEOUT
from guixml.evaluate.model import Module, Package
from guixml.evaluate.summary import ModuleSummary, evaluate_definition, summarize_source, \
    definition_forms, toplevel_forms
from guixml.evaluate.values import Call, EvalFailure, GlobalRef, NeedGlobal

__all__ = ["load_channel", "ChannelIndex", "ChannelFile", "discover"]


class _SpanSource(Source):
    """The text of one top-level form, locating positions as in the whole file."""

    __slots__ = ("line0", "column0", "offset0")

    def __init__(self, file: str, text: str, line0: int, column0: int, offset0: int) -> None:
        super().__init__(file, text)
        self.line0 = line0
        self.column0 = column0
        self.offset0 = offset0

    def location(self, offset: int) -> Location:
        loc = Source.location(self, offset)
        column = loc.column + self.column0 if loc.line == 1 else loc.column
        return Location(self.file, loc.line + self.line0 - 1, column, loc.offset + self.offset0)


def read_span(text: str, start: int, end: int, line: int, column: int, file: str) -> list:
    """The data of TEXT[START:END], a form at LINE/COLUMN of FILE, with file locations."""
    from guixml.scheme.reader import read_source
    return read_source(_SpanSource(file, text[start:end], line, column, start))


class ChannelFile:
    """A module file: its absolute path and the path shown to users (relative to its root)."""

    __slots__ = ("path", "relative", "root")

    def __init__(self, path: str, relative: str, root: str) -> None:
        self.path = path
        self.relative = relative
        self.root = root


def _module_file(module: str) -> str:
    """The path, relative to a root, of the file of MODULE: ``(a b)`` → ``a/b.scm``."""
    return "/".join(module.strip("()").split()) + ".scm"


def _library_file(module: str, roots: Sequence[str]) -> tuple[str, str] | None:
    """(path, relative) of MODULE's file under the first of ROOTS that has it."""
    relative = _module_file(module)
    for root in roots:
        path = os.path.join(root, relative)
        if os.path.isfile(path):
            return path, relative
    return None


def _guess_module_name(relative: str) -> str:
    stem = relative[:-4] if relative.endswith(".scm") else relative
    return "(" + " ".join(stem.split("/")) + ")"


def discover(paths: Iterable[str]) -> tuple[list[ChannelFile], list[str]]:
    """The channel's module files under PATHS, and the roots where library modules live."""
    files: list[ChannelFile] = []
    roots: list[str] = []
    for given in paths:
        p = Path(given)
        if p.is_file():
            root, relative = _file_root(p)
            files.append(ChannelFile(str(p), relative, root))
            if root not in roots:
                roots.append(root)
            continue
        if not p.is_dir():
            raise GuixmlError(f"{given}: no such file or directory")
        root = str(p)
        roots.append(root)
        base = p / "gnu" / "packages" if (p / "gnu" / "packages").is_dir() \
            and (p / "guix").is_dir() else p
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(".scm"):
                    full = os.path.join(dirpath, name)
                    files.append(ChannelFile(full, os.path.relpath(full, root), root))
    guix_source = os.environ.get("GUIX_SOURCE")
    if guix_source and guix_source not in roots:
        roots.append(guix_source)
    return files, roots


_MODULE_NAME = re.compile(r"\(define-module\s+\(([^()]*)\)")


def _file_root(path: Path) -> tuple[str, str]:
    """The channel root of a module file (from its module name) and its path below it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(20000)
    except OSError:
        head = ""
    m = _MODULE_NAME.search(head)
    if m:
        parts = m.group(1).split()
        if parts and path.stem == parts[-1]:
            root = path.resolve().parents[len(parts) - 1]
            if (root / "/".join(parts)).with_suffix(".scm").exists():
                return str(root), "/".join(parts) + ".scm"
    return str(path.parent), path.name


def summarize_file_pickled(job: tuple[str, str]) -> bytes:
    """Worker entry point: the pickled summary (what the cache stores, too)."""
    return dump_summary(summarize_file(job))


def dump_summary(summary: ModuleSummary) -> bytes:
    try:
        return pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        for d in summary.defs.values():
            if d.status == "value":
                try:
                    pickle.dumps(d.value, protocol=pickle.HIGHEST_PROTOCOL)
                except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                    d.status, d.value = "deferred", None
        return pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)


def summarize_file(job: tuple[str, str]) -> ModuleSummary:
    """Worker entry point: the summary of the file at PATH, shown as RELATIVE."""
    path, relative = job
    try:
        with open(path, "rb") as f:
            text = decode_utf8(relative, f.read())
    except (OSError, EncodingError) as error:
        summary = ModuleSummary(_guess_module_name(relative), relative)
        summary.errors.append(f"{relative}: {error}" if isinstance(error, OSError)
                              else str(error))
        return summary
    return summarize_source(text, relative, _guess_module_name(relative))


class ChannelIndex:
    """All modules of a channel and their packages; see the module docstring."""

    def __init__(self, summaries: list[ModuleSummary] | None, files: list[ChannelFile],
                 roots: list[str], loader: Any = None) -> None:
        self.files = {f.relative: f for f in files}
        self.roots = roots
        self.errors: list[str] = []
        self._summaries: dict[str, ModuleSummary] | None = None
        self._loader = loader
        self.channel_modules: list[str] = []
        #: A hash of every file's content, of the library modules used as they
        #: are on disk, and of guixml's code, once linked with a cache.
        self.content_key: str | None = None
        self._content_base: str | None = None
        #: Library modules linking workers looked up (see library_modules).
        self.library_used: set[str] = set()
        if summaries is not None:
            self._set_summaries(summaries)
        self._library: dict[str, ModuleSummary | None] = {}
        self._scopes: dict[str, ChannelScope] = {}
        self._values: dict[tuple[str, str], Any] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._resolved: dict[tuple[str, str, bool], tuple[str, str] | None] = {}
        self._forms: dict[str, dict[str, Any]] = {}
        self._packages: list[Package] | None = None
        self._by_key: dict[tuple[str, str | None], int] = {}
        self._by_name: dict[str, list[tuple[str, str]]] | None = None
        self._reference_memo: dict[tuple, Any] = {}
        self._modules: dict[str, Module] | None = None
        self._import_tables: dict[str, tuple[dict, list]] = {}
        self._exporters: dict[str, list[str]] = {}
        self._registered: set[str] = set()
        self._forced: dict[tuple[str, str, bool], Any] = {}
        #: (macro module, macro, using module) -> the names its template takes from its module.
        self._macro_names: dict[tuple[str, str, str], dict[str, Any]] = {}

    def _set_summaries(self, summaries: list[ModuleSummary]) -> None:
        self._summaries = {}
        errors = []
        for s in summaries:
            if s.name in self._summaries:
                errors.append(f"{s.file}: module {s.name} also defined in "
                              f"{self._summaries[s.name].file}; ignored")
                continue
            self._summaries[s.name] = s
            errors.extend(s.errors)
        if not self.channel_modules:
            self.channel_modules = list(self._summaries)
            self.errors[:0] = errors

    @property
    def summaries(self) -> dict[str, ModuleSummary]:
        """Module name -> per-file summary (loaded on first use after a warm start)."""
        if self._summaries is None:
            # Loaded long after load_channel returned: the collector would
            # scan the hundreds of thousands of objects again and again.
            with gc_paused():
                self._set_summaries(self._loader())
        assert self._summaries is not None
        return self._summaries

    # -- modules ------------------------------------------------------------

    def summary(self, module: str) -> ModuleSummary | None:
        found = self.summaries.get(module)
        if found is not None:
            return found
        if module in self._library:
            return self._library[module]
        self._library[module] = None
        found = _library_file(module, self.roots)
        if found is None:
            return None
        summary = self._library[module] = self._load_library(*found)
        return summary

    def _load_library(self, path: str, relative: str) -> ModuleSummary:
        store = getattr(self, "cache", None)
        if store is not None:
            summary = store.get_summary(path, relative)
            if summary is not None:
                return summary
        summary, blob = _summarize_here((path, relative))
        if store is not None:
            store.put_blobs([(path, relative, blob)])
        return summary

    def scope(self, module: str) -> ChannelScope:
        scope = self._scopes.get(module)
        if scope is None:
            summary = self.summary(module)
            if summary is None:
                raise EvalFailure("unknown-module", module)
            scope = self._scopes[module] = ChannelScope(self, summary)
        return scope

    # -- resolution -----------------------------------------------------------

    def resolve(self, ref: GlobalRef) -> tuple[str, str] | None:
        """The (module, name) of the definition REF names, or None."""
        key = (ref.module, ref.name, ref.direct)
        if key in self._resolved:
            return self._resolved[key]
        self._resolved[key] = None  # guards against import cycles
        found = self._resolve(ref.module, ref.name, ref.direct, 0)
        self._resolved[key] = found
        return found

    def _resolve(self, module: str, name: str, direct: bool, depth: int) -> tuple[str, str] | None:
        if depth > 8:
            return None
        summary = self.summary(module)
        if summary is None:
            return None
        if name in summary.defs:
            return (module, name)
        if module in self.summaries:
            candidates = self._candidates(module, summary, name)
        else:
            candidates = self._scan_imports(summary, name)
        for imported, inner in candidates:
            target = self.summary(imported)
            assert target is not None
            if inner in target.defs:
                return (imported, inner)
            found = self._resolve(imported, inner, False, depth + 1)
            if found is not None:
                return found
        return None

    def _scan_imports(self, summary: ModuleSummary, name: str) -> Iterator[tuple[str, str]]:
        """The (module, name) of each import of SUMMARY that provides NAME, in order."""
        for imp in summary.imports:
            inner = _imported_name(imp, name)
            if inner is not None and inner in self._exports_of(imp.module):
                yield imp.module, inner

    def _exports_of(self, module: str) -> frozenset[str]:
        exported = self._exported_sets()
        names = exported.get(module)
        if names is None:
            target = self.summary(module)
            names = exported[module] = frozenset() if target is None \
                else _exported_names(target)
        return names

    def _candidates(self, module: str, summary: ModuleSummary,
                    name: str) -> list[tuple[str, str]]:
        """What :meth:`_scan_imports` gives, found through dictionaries.

        Resolving goes through each module's imports in order; with dozens of
        imports per module and ~50,000 names to resolve, the scan was the cost of
        linking.  Instead the modules exporting NAME are looked up (an inverted
        index of exports) and kept when MODULE imports them whole; imports with
        ``#:select``, ``#:prefix`` or a renamer are few and checked one by one.
        """
        table = self._import_tables.get(module)
        if table is None:
            table = self._import_tables[module] = self._import_table(summary)
        whole, special = table
        found: list[tuple[int, str, str]] = []
        for exporter in self._exporters.get(name, ()):
            for position, hide in whole.get(exporter, ()):
                if name not in hide:
                    found.append((position, exporter, name))
        for position, imp in special:
            inner = _imported_name(imp, name)
            if inner is not None and inner in self._exports_of(imp.module):
                found.append((position, imp.module, inner))
        if len(found) > 1:
            found.sort()
        return [(m, n) for _, m, n in found]

    def _import_table(self, summary: ModuleSummary) -> tuple[dict, list]:
        whole: dict[str, list[tuple[int, frozenset[str]]]] = {}
        special: list[tuple[int, Any]] = []
        for position, imp in enumerate(summary.imports):
            self._register_exports(imp.module)
            if imp.select is None and imp.prefix is None:
                whole.setdefault(imp.module, []).append((position, frozenset(imp.hide)))
            else:
                special.append((position, imp))
        return whole, special

    def _register_exports(self, module: str) -> None:
        """Add MODULE's exported names to the inverted index (loading it if needed)."""
        if module in self._registered:
            return
        self._registered.add(module)
        for exported in self._exports_of(module):
            self._exporters.setdefault(exported, []).append(module)

    def _exported_sets(self) -> dict[str, frozenset[str]]:
        sets = getattr(self, "_exported", None)
        if sets is None:
            sets = self._exported = {name: _exported_names(s)
                                     for name, s in self.summaries.items()}
        return sets

    def value_of(self, ref: GlobalRef) -> Any:
        where = self.resolve(ref)
        if where is not None and where[0] not in self.summaries:
            # A procedure of Guix itself that guixml implements: the builtin wins
            # (faster, and free of what static evaluation cannot follow).
            builtin = BUILTINS.get(where[1])
            if builtin is not None:
                return builtin
        if where is None:
            builtin = BUILTINS.get(ref.name)
            if builtin is not None:
                return builtin
            missing = self._missing_imports(ref.module)
            if missing:
                raise EvalFailure("missing-module", f"{ref.name} in {ref.module}, which "
                                  f"imports {', '.join(missing)}: not among the trees given")
            raise EvalFailure("unbound-variable", f"{ref.name} in {ref.module}")
        return self.definition_value(*where)

    def _missing_imports(self, module: str) -> list[str]:
        """The modules MODULE imports that no tree given holds (Guile's own aside)."""
        summary = self.summary(module)
        if summary is None:
            return []
        return [imp.module for imp in summary.imports
                if imp.module.strip("()").split(" ")[0] not in _GUILE_OWN
                and self.summary(imp.module) is None]

    def definition_value(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in self._values:
            return self._values[key]
        summary = self.summary(module)
        assert summary is not None
        d = summary.defs[name]
        if d.status == "value" and not self._calls_macro(d.value):
            self._values[key] = d.value
            return d.value
        if d.status == "error" and d.error is not None and d.error[0] not in ("unbound-variable",):
            raise EvalFailure(*d.error)
        if key in self._in_progress:
            raise EvalFailure("definition-cycle", f"{name} in {module}")
        self._in_progress.add(key)
        try:
            expr = self._expression(summary, name)
            scope = self.scope(module)
            value = evaluate_definition(scope.evaluator, d, expr)
        except NeedGlobal as need:  # cannot happen in the channel scope; be explicit
            raise EvalFailure("unresolved", str(need)) from None
        except RecursionError:
            raise EvalFailure("recursion-too-deep", name) from None
        finally:
            self._in_progress.discard(key)
        self._values[key] = value
        return value

    def _calls_macro(self, value: Any) -> bool:
        """Whether VALUE is the per-file phase's residual call of what is
        another module's syntax-rules macro (its arguments evaluated as if
        it were a procedure): the definition is then evaluated again here."""
        if type(value) is not Call or type(value.fn) is not GlobalRef:
            return False
        where = self.resolve(value.fn)
        if where is None:
            return False
        summary = self.summary(where[0])
        return summary is not None and summary.defs[where[1]].kind == "syntax"

    def _expression(self, summary: ModuleSummary, name: str) -> Any:
        forms = self._forms.get(summary.name)
        if forms is None:
            forms = self._forms[summary.name] = {}
        if name in forms:
            return forms[name]
        d = summary.defs[name]
        text = self._file_text(summary)
        try:
            datums = read_span(text, d.start, d.end, d.line, d.column, summary.file)
        except GuixmlError as error:
            raise EvalFailure("read-error", str(error)) from None
        tmp = ModuleSummary(summary.name, summary.file)
        macros = self._module_macros(summary)
        for top in datums:
            for form in toplevel_forms(top, dict(macros)):
                for n, _public, _kind, expr in definition_forms(form, tmp):
                    forms[n] = expr
        if name not in forms:
            raise EvalFailure("definition-not-found", name)
        return forms[name]

    def _module_macros(self, summary: ModuleSummary) -> dict[str, Any]:
        """The syntax-rules macros MODULE defines, read again from their source."""
        cache = getattr(self, "_macros", None)
        if cache is None:
            cache = self._macros = {}
        if summary.name not in cache:
            from guixml.scheme.reader import read_string
            macros: dict[str, Any] = {}
            text = None
            for d in summary.defs.values():
                if d.kind != "syntax":
                    continue
                text = text if text is not None else self._file_text(summary)
                try:
                    for form in read_span(text, d.start, d.end, d.line, d.column,
                                          summary.file):
                        toplevel_forms(form, macros)
                except GuixmlError:
                    continue
            cache[summary.name] = macros
        return cache[summary.name]

    def _file_text(self, summary: ModuleSummary) -> str:
        cached = getattr(self, "_texts", None)
        if cached is None:
            cached = self._texts = {}
        if summary.file in cached:
            return cached[summary.file]
        path = self._path_of(summary)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if len(cached) > 64:
            cached.clear()
        cached[summary.file] = text
        return text

    def _path_of(self, summary: ModuleSummary) -> str:
        f = self.files.get(summary.file)
        if f is not None:
            return f.path
        for root in self.roots:
            path = os.path.join(root, summary.file)
            if os.path.isfile(path):
                return path
        raise EvalFailure("file-not-found", summary.file)

    def package_value_by_name(self, name: str) -> Any:
        if self._by_name is None:
            from guixml.index.link import package_name_table
            self._by_name = package_name_table(self)
        found = self._by_name.get(name)
        if not found:
            return None
        return self.definition_value(*found[0])

    def package_values_named(self, name: str) -> list:
        """The values of every public package variable whose name is NAME."""
        if self._by_name is None:
            from guixml.index.link import package_name_table
            self._by_name = package_name_table(self)
        return [self.definition_value(*where) for where in self._by_name.get(name, ())]

    # -- packages ------------------------------------------------------------------

    def packages(self) -> Sequence[Package]:
        """Every package bound to a public variable of the channel, in file order."""
        if self._packages is None:
            from guixml.index.link import link_parallel
            from guixml.index.packed import PackedPackages
            # Linking is dictionary lookups plus the evaluation of what the
            # per-file phase deferred; with several jobs the modules are shared
            # among forked processes (guixml.index.link.link_parallel).
            with gc_paused():
                jobs = getattr(self, "jobs", None) or 1
                store = getattr(self, "cache", None)
                cached = store is not None and bool(getattr(self, "channel_key", None))
                packed, errors, shares = link_parallel(self, self.channel_modules, jobs,
                                                       for_cache=cached)
                self.errors.extend(errors)
                self._packages = PackedPackages(packed)
            library = self.library_record()
            if self._content_base:
                self.content_key = _content_key(self._content_base, library[1])
            if cached:
                # Written by a thread while the caller goes on (see Cache.flush).
                store.put_channel(self.channel_key, self.channel_modules, self.errors, shares,
                                  library=library, background=True)
        return self._packages

    def library_modules(self) -> set[str]:
        """The modules outside the channel that this index looked up, found or not
        (in this process and, once linked, in the linking workers)."""
        return set(self._library) | self.library_used

    def library_record(self) -> tuple[list[str], str]:
        """The library modules looked up and :func:`library_stamp` of them now:
        what a stored result that depends on them is checked against."""
        modules = sorted(self.library_modules())
        return modules, self.stamp_library(modules)

    def stamp_library(self, modules: Iterable[str]) -> str:
        """:func:`library_stamp` of MODULES under this index's roots: by
        content through the cache when there is one (its stat shortcut
        follows git's rules), else by stat."""
        store = getattr(self, "cache", None)
        return library_stamp(self.roots, modules,
                             store.digest if store is not None else file_stamp)

    @property
    def modules(self) -> dict[str, Module]:
        """Module name -> :class:`guixml.evaluate.model.Module` (imports, exports, packages, errors)."""
        if self._modules is None:
            by_module: dict[str, list[Package]] = defaultdict(list)
            for p in self.packages():
                by_module[p.module].append(p)
            self._modules = {
                name: Module(name=name, file=s.file, imports=tuple(s.imports),
                             exports=tuple(sorted(set(s.exports) | {
                                 n for n, d in s.defs.items() if d.public})),
                             packages=tuple(by_module.get(name, ())),
                             errors=tuple(s.errors))
                for name, s in ((m, self.summaries[m]) for m in self.channel_modules)}
        return self._modules

    def package(self, module: str, variable: str) -> Package | None:
        packages = self.packages()
        if not self._by_key:
            from guixml.index.packed import package_head
            for i in range(len(packages)):
                module_name, variable_name = package_head(packages, i)[:2]
                self._by_key[module_name, variable_name] = i
        i = self._by_key.get((module, variable))
        return None if i is None else packages[i]

    def users_of(self, module: str, variable: str) -> list[Package]:
        """Packages that list the package bound to MODULE's VARIABLE among their inputs."""
        users = self._users()
        return users.get((module, variable), [])

    def dependencies(self, package: Package) -> list[tuple[str, str]]:
        """The (module, variable) of each input of PACKAGE that names a definition."""
        return [(i.module, i.ref) for i in package.all_inputs() if i.module and i.ref]

    def _users(self) -> dict[tuple[str, str], list[Package]]:
        users = getattr(self, "_users_table", None)
        if users is None:
            users = defaultdict(list)
            for p in self.packages():
                for dep in dict.fromkeys(self.dependencies(p)):
                    users[dep].append(p)
            self._users_table = users
        return users


def _guile_own() -> frozenset[str]:
    import tomllib
    from importlib.resources import files
    data = tomllib.loads(files("guixml").joinpath("data/evaluation.toml").read_text("utf-8"))
    return frozenset(data["modules"]["guile-own"])


_GUILE_OWN = _guile_own()


def _exported_names(summary: ModuleSummary) -> frozenset[str]:
    """The names a module makes visible to modules that import it."""
    return frozenset(summary.exports) | frozenset(
        n for n, d in summary.defs.items() if d.public)


def _imported_name(imp, name: str) -> str | None:
    """NAME as the imported module IMP calls it, or None if IMP does not provide NAME."""
    if imp.select is not None:
        for inner, local in imp.select:
            if local == name:
                return inner
        return None
    if imp.prefix is not None:
        if not name.startswith(imp.prefix):
            return None
        name = name[len(imp.prefix):]
    if name in imp.hide:
        return None
    return name


def load_channel(paths: Iterable[str], *, jobs: int | None = None,
                 use_cache: bool = True, cache_dir: str | None = None) -> ChannelIndex:
    """Index the channel(s) at PATHS; see the module docstring."""
    with gc_paused():
        return _load_channel(paths, jobs, use_cache, cache_dir)


def _load_channel(paths, jobs, use_cache, cache_dir) -> ChannelIndex:
    from guixml.index.cache import open_cache
    files, roots = discover(paths)
    store = open_cache(cache_dir) if use_cache else None
    if store is not None:
        keys = [store.key(f.path, f.relative) or "" for f in files]
        store.commit()
        channel_key = store.channel_key(keys, "\0".join(roots))
        cached = store.get_channel(channel_key) if all(keys) else None
        library = cached.get("library") if cached is not None else None
        if cached is not None and not (
                library and library_stamp(roots, library[0], store.digest) == library[1]):
            cached = None  # a library module changed, appeared or went away
        if cached is not None:
            from guixml.index.packed import PackedPackages
            index = ChannelIndex(None, files, roots,
                                 loader=lambda: _summaries(files, store, jobs))
            index.channel_modules = cached["modules"]
            index.errors = cached["errors"]
            index._packages = PackedPackages(cached["packages"])
            index.cache = store
            index.channel_key = None
            index.library_used.update(library[0])
            index.content_key = _content_key(channel_key, library[1])
            return index
    summaries, library = _read_files(files, roots, store, jobs)
    index = ChannelIndex(summaries, files, roots)
    index._library.update(library)
    index.jobs = jobs or min(os.cpu_count() or 1, 8)
    index.cache = store
    index.channel_key = channel_key if store is not None else None
    # What the channel's content is, for what is stored about it later (audits);
    # the library modules it uses are known once it is linked (packages()).
    index._content_base = channel_key if store is not None and all(keys) else None
    return index


def library_stamp(roots: Sequence[str], modules: Iterable[str],
                  stamp: Any = file_stamp) -> str:
    """How the files of library MODULES look under ROOTS now: for each root,
    whether the file is there and what STAMP (a function of a path, None for
    no file) says of it: by default its size, times and inode; with a cache,
    its content hash (``Cache.digest``, which reads a file again only when
    its stat does not prove it unchanged, as git's index does), so that a
    fresh clone or a restored cache still finds the entry.

    A whole-channel entry depends on the library modules linking used as much
    as on the channel's files, and a module not found then may appear later."""
    digest = hashlib.sha256()
    for module in sorted(modules):
        relative = _module_file(module)
        for root in roots:
            seen = stamp(os.path.join(root, relative)) or "-"
            digest.update(f"{module}\0{root}\0{seen}\n".encode())
    return digest.hexdigest()


def _content_key(channel_key: str, library_stamp: str) -> str:
    return hashlib.sha256(f"{channel_key}\0{library_stamp}".encode()).hexdigest()


def _summaries(files: list[ChannelFile], store, jobs: int | None) -> list[ModuleSummary]:
    return _read_files(files, [], store, jobs)[0]


def _read_files(files: list[ChannelFile], roots: list[str], store,
                jobs: int | None) -> tuple[list[ModuleSummary], dict[str, ModuleSummary]]:
    """The summaries of FILES, and of the library modules they import found under ROOTS.

    Library modules (``guix/…`` of a checkout) are read by the same worker
    processes, queued first, instead of one by one when linking first needs
    them.
    """
    jobs = jobs or min(os.cpu_count() or 1, 8)
    pools: list = []  # the worker pool, made when first needed and shared by both batches
    # Library modules the files' heads seem to import are queued before the
    # files, and any other a summary imports as soon as it arrives, so that no
    # worker idles at the end while the other reads them (the set actually
    # used is still decided below, from the summaries).
    early: dict[str, Any] = {}
    guessed = {_guess_module_name(f.relative) for f in files}

    def queue(modules: Iterable[str]) -> None:
        for module in modules:
            if module in early or module in guessed:
                continue
            found = early[module] = _library_file(module, roots)
            if found is not None:
                early[module] = (*found, pools[0].apply_async(
                    _summarize_indexed, ((0, found),)))

    def prefetch(summary: ModuleSummary) -> None:
        queue(imp.module for imp in summary.imports)

    def predict(work: list[tuple[str, str]]) -> None:
        # Queued ahead of the files themselves, so they are not left for the
        # end, when one worker would read them while the other waits.  The
        # workers start on the first ones while the other heads are scanned.
        for path, _ in work:
            queue(_header_imports(path))

    try:
        summaries = _read_batch([(f.path, f.relative) for f in files], store, jobs, pools,
                                prefetch if roots else None, predict if roots else None)
        library: dict[str, ModuleSummary] = {}
        if roots:
            wanted = _library_files(summaries, roots)
            found_early: dict[str, ModuleSummary] = {}
            blobs = []
            # One deadline for them all: after a worker died, none will come.
            deadline = time.monotonic() + WORKER_TIMEOUT
            for module, (path, relative) in wanted.items():
                pending = early.get(module)
                if pending is not None and pending[:2] == (path, relative):
                    try:
                        blob = pending[2].get(max(0.0, deadline - time.monotonic()))[1]
                    except Exception:  # that worker failed: read it below
                        continue
                    blobs.append((path, relative, blob))
                    found_early[module] = decode_verified("pickle", blob)  # a worker's
            if store is not None and blobs:
                store.put_blobs(blobs)
            rest = [m for m in wanted if m not in found_early]
            found = _read_batch([wanted[m] for m in rest], store, jobs, pools)
            found_early.update(zip(rest, found))
            library = {m: found_early[m] for m in wanted}
    finally:
        for pool in pools:
            pool.terminate()
    return [s for s in summaries if s is not None], library


def _library_files(summaries: list[ModuleSummary], roots: list[str]) -> dict[str, tuple[str, str]]:
    """Module name -> (path, relative) of the modules SUMMARIES import from ROOTS."""
    names = {s.name for s in summaries if s is not None}
    wanted: dict[str, tuple[str, str]] = {}
    for s in summaries:
        for imp in s.imports if s is not None else ():
            if imp.module in names or imp.module in wanted:
                continue
            found = _library_file(imp.module, roots)
            if found is not None:
                wanted[imp.module] = found
    return wanted


def _read_batch(work: list[tuple[str, str]], store, jobs: int,
                pools: list, on_summary=None, on_start=None) -> list[ModuleSummary]:
    """The summaries of WORK's (path, relative) files, from STORE or computed.

    ON_SUMMARY, if given, is called with each summary computed by the worker
    pool as it arrives (while the workers go on); ON_START with the (path,
    relative) files left to read, once the pool exists, before they are queued.
    """
    results: list[ModuleSummary | None] = [None] * len(work)
    missing: list[int] = []
    if store is not None and work:
        for i, s in enumerate(store.get_summaries(work)):
            if s is None:
                missing.append(i)
            else:
                results[i] = s
    else:
        missing = list(range(len(work)))
    if not missing:
        return results  # type: ignore[return-value]
    parallel = jobs > 1 and len(missing) > 4
    if parallel and not pools:
        import multiprocessing
        try:
            pools.append(multiprocessing.get_context("fork").Pool(jobs))
        except (OSError, ValueError):  # no processes left, or no fork here: read here
            parallel = False
    if parallel:
        # Largest files first so the workers finish together; each result is
        # decoded here as it arrives, while the workers go on reading.
        order = sorted(missing, key=lambda k: -_size(work[k][0]))
        if on_start is not None:
            on_start([work[k] for k in order])
        jobs_in_order = [(k, work[k]) for k in order]
        # The cache is written in slices as results arrive, while the workers go
        # on, rather than all at once after the last one (on the critical path).
        unstored: list[tuple[str, str, bytes]] = []
        arriving = pools[0].imap_unordered(_summarize_indexed, jobs_in_order)
        for done, _ in enumerate(jobs_in_order, start=1):
            try:
                k, blob = arriving.next(WORKER_TIMEOUT)
            except Exception:  # a worker failed, died or hangs: read the rest here
                break
            results[k] = decode_verified("pickle", blob)  # a worker's, by a pipe
            report("reading modules", done, len(jobs_in_order))
            if on_summary is not None:
                on_summary(results[k])
            if store is not None:
                unstored.append((work[k][0], work[k][1], blob))
                if len(unstored) >= 64:
                    store.put_blobs(unstored)
                    unstored = []
        left = [k for k in missing if results[k] is None]
    else:
        unstored, left = [], missing
    for done, k in enumerate(left, start=len(missing) - len(left) + 1):
        results[k], blob = _summarize_here(work[k])
        unstored.append((work[k][0], work[k][1], blob))
        report("reading modules", done, len(missing))
    if store is not None and unstored:
        store.put_blobs(unstored)
    return results  # type: ignore[return-value]


def _summarize_here(job: tuple[str, str]) -> tuple[ModuleSummary, bytes]:
    """The summary of a file read in this process, and its pickle for the cache.

    Pickled also to mark what cannot be pickled as deferred (see dump_summary);
    the summary itself is used as it is, not decoded again.
    """
    summary = summarize_file(job)
    return summary, dump_summary(summary)


#: A ``#:use-module`` clause's module name, with or without options.
_USE_MODULE = re.compile(r"#:use-module\s+\((?:\s*\()?\s*([^()#;]+?)\s*\)")


def _header_imports(path: str) -> list[str]:
    """The modules the ``define-module`` form at the head of PATH seems to use.

    A guess from the text alone, used only to read those modules early: the
    modules actually read are decided from the parsed summaries.
    """
    head = ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            # Most heads end in the first few kilobytes; a long one is read on.
            while True:
                more = f.read(8192)
                head += more
                start = head.find("(define-module")
                end = head.find("\n(", start + 1) if start >= 0 else -1
                if end >= 0 or not more or len(head) > 262144:
                    break
    except OSError:
        return []
    if start < 0:
        return []
    found = set(_USE_MODULE.findall(head, start, end if end >= 0 else len(head)))
    return ["(" + " ".join(m.split()) + ")" for m in found]


def _summarize_indexed(job: tuple[int, tuple[str, str]]) -> tuple[int, bytes]:
    """Worker entry point: (K, pickled summary of file K)."""
    return job[0], summarize_file_pickled(job[1])


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0

