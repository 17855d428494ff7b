"""Deep audits: find each package's real sources, inspect them, fold what they hold
into the classification.

:func:`deepen` takes an :class:`~guixml.classify.results.AuditResult` and
:class:`SourceOptions` (``--store DIR``, ``--sources DIR…``, ``--fetch``) and
returns the result with, per package, its ``sources`` (each origin sought:
where found, how, verified, hash, the content findings) and ``inspected``, and
the role and evidence amended by what the sources show:

- weight files in the package's own source → ``tangled`` (``model`` when the
  source is almost only weights; a ``model`` package's payload is checked);
- weight files in an origin among its inputs → ``separate``, the input named;
- code that downloads a model at run time → ``external``, the model named;
- weight files the origin's ``snippet`` or the build deletes statically
  (``delete-file``, ``delete-file-recursively``, ``(for-each delete-file
  (find-files DIR REGEX))``) are reported as removed, never as tangled.

An existing ``properties`` annotation keeps deciding the role; a role the
definition already shows is not lowered.  Inspection results are cached by
the source's content hash (:class:`~guixml.classify.content.ContentCache`).

Public API::

    SourceOptions(store=None, dirs=(), fetch=False, cache_dir=None, mirrors=None,
                  pypi_index=None, pypi_prefix=None)
    default_store() -> str | None
    deepen(result, options, progress=None) -> AuditResult
    static_deletions(datum) -> tuple[Deletion, ...]
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import attrs
from attrs import frozen

from guixml.classify.content import ContentCache, ContentFinding, SourceContent, \
    inspect_source, CONTENT_VERSION, is_fixture, weight_settings
from guixml.classify.results import AuditResult, Evidence, PackageAudit, SourceRecord
from guixml.sources import HashCache, Located, SourceWarning, Wanted, lookup_store, \
    sources_cache_dir, wanted_from_package

__all__ = ["SourceOptions", "default_store", "deepen", "static_deletions", "Deletion"]



@frozen
class SourceOptions:
    """Where to look for sources.  ``store`` a store directory (``/gnu/store``),
    ``dirs`` the ``--sources`` directories, ``fetch`` whether to download."""

    store: str | None = None
    dirs: tuple[str, ...] = ()
    fetch: bool = False
    cache_dir: str | None = None
    mirrors: Any = None  # a guix/download.scm to read %mirrors from (for --fetch)
    pypi_index: str | None = None  # the simple API (default: the Python package index's)
    pypi_prefix: str | None = None  # what a pypi-uri URL starts with (default: Guix's)

    @property
    def active(self) -> bool:
        return bool(self.store or self.dirs or self.fetch)


def default_store() -> str | None:
    """``/gnu/store`` when it exists, else None."""
    return "/gnu/store" if os.path.isdir("/gnu/store") else None


# --- static deletions ---------------------------------------------------------

@frozen
class Deletion:
    """A path a snippet or build phase deletes: a file, a tree, or files of DIR
    whose base name matches REGEX (``find-files``)."""

    path: str
    tree: bool = False
    regex: str | None = None

    def covers(self, relative: str) -> bool:
        base = self.path.strip("/")
        if self.regex is not None:
            inside = not base or relative.startswith(base + "/")
            try:
                return inside and re.search(self.regex, relative.rsplit("/", 1)[-1]) is not None
            except re.error:
                return False
        if relative == base:
            return True
        return self.tree and relative.startswith(base + "/")


def _name(datum: Any) -> str | None:
    return str(datum) if type(datum).__name__ == "Symbol" else None


def _strings(datum: Any) -> list[str]:
    """The strings of a quoted list or a (list …) form."""
    if isinstance(datum, list) and datum:
        head = _name(datum[0])
        if head == "quote" and len(datum) == 2 and isinstance(datum[1], list):
            return [x for x in datum[1] if type(x) is str]
        if head == "list":
            return [x for x in datum[1:] if type(x) is str]
    return []


def _normal(path: str, prefix: str = "") -> str | None:
    """PATH, relative to the source's top directory, under the directory PREFIX
    (a ``with-directory-excursion``); None when it leaves the tree or is absolute."""
    if path.startswith("/"):
        return None
    parts: list[str] = [p for p in prefix.split("/") if p]
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def static_deletions(datum: Any, limit: int = 100_000) -> tuple[Deletion, ...]:
    """The deletions written with literal paths anywhere in DATUM (a snippet or
    a package's arguments): ``delete-file``, ``delete-file-recursively``,
    ``(for-each delete-file[-recursively] '(…))`` or ``(list …)``, ``(for-each
    delete-file (find-files DIR [REGEX]))``, each under the directories of the
    ``with-directory-excursion`` forms around it; a bounded walk, never evaluated."""
    found: list[Deletion] = []
    stack: list[tuple[Any, str]] = [(datum, "")]
    seen = 0

    def add(path: str, prefix: str, tree: bool, regex: str | None = None) -> None:
        normal = _normal(path, prefix)
        if normal is not None and (normal or regex is not None):
            found.append(Deletion(normal, tree, regex))

    while stack and seen < limit:
        node, prefix = stack.pop()
        seen += 1
        if not isinstance(node, list) or not node:
            continue
        head = _name(node[0])
        if head in ("delete-file", "delete-file-recursively") and len(node) >= 2 \
                and type(node[1]) is str:
            add(node[1], prefix, head != "delete-file")
        elif head == "for-each" and len(node) == 3 and \
                _name(node[1]) in ("delete-file", "delete-file-recursively"):
            tree = _name(node[1]) == "delete-file-recursively"
            target = node[2]
            if isinstance(target, list) and target and _name(target[0]) == "find-files" \
                    and len(target) >= 2 and type(target[1]) is str:
                regex = target[2] if len(target) >= 3 and type(target[2]) is str else ""
                add(target[1], prefix, True, regex)
            else:
                for path in _strings(target):
                    add(path, prefix, tree)
        elif head == "with-directory-excursion" and len(node) >= 2:
            if type(node[1]) is not str:
                continue  # a directory not written literally: its deletions are unknown
            inner = _normal(node[1], prefix)
            if inner is None:
                continue
            stack.extend((child, inner) for child in reversed(node[2:]))
            continue
        stack.extend((child, prefix) for child in reversed(node))
    return tuple(dict.fromkeys(found))


# --- locating -----------------------------------------------------------------

def _locate(wanted: list[Wanted], options: SourceOptions, warnings: list[SourceWarning]
            ) -> dict[int, Located]:
    """Index in WANTED → where its source was found (store, then --sources, then fetch)."""
    root = sources_cache_dir(options.cache_dir)
    found: dict[int, Located] = {}
    positions = {id(item): i for i, item in enumerate(wanted)}
    if options.store:
        hashes = HashCache(Path(root) / "hashes.json")
        located, problems = lookup_store(wanted, options.store, cache=hashes)
        hashes.save()
        warnings.extend(p for p in problems if p.kind == "hash-mismatch"
                        or "cannot be read" in p.message)
        for item in located:
            found.setdefault(positions[id(item.wanted)], item)
    if options.dirs:
        from guixml.sources import locate_sources
        rest = [w for i, w in enumerate(wanted) if i not in found]
        located, problems = locate_sources(rest, list(options.dirs), cache_dir=root)
        warnings.extend(problems)
        for item in located:
            found.setdefault(positions[id(item.wanted)], item)
    if options.fetch:
        from guixml.sources import Fetcher, read_mirrors
        mirrors: dict[str, tuple[str, ...]] = {}
        if options.mirrors and os.path.exists(options.mirrors):
            # read_mirrors never raises: what it cannot read is a located warning.
            mirrors, unread = read_mirrors(options.mirrors)
            warnings.extend(unread)
        extra: dict[str, str] = {}
        if options.pypi_index:
            extra["pypi_index"] = options.pypi_index
        if options.pypi_prefix:
            extra["pypi_prefix"] = options.pypi_prefix
        fetcher = Fetcher(root, mirrors=mirrors, **extra)
        rest = [w for i, w in enumerate(wanted) if i not in found or not found[i].verified]
        located, problems = fetcher.fetch(rest)
        warnings.extend(problems)
        for item in located:
            found[positions[id(item.wanted)]] = item
    return found


def _content_key(located: Located) -> str:
    if located.hash:
        return f"{CONTENT_VERSION}:{located.hash}:{int(located.recursive)}:{located.path.rsplit('/', 1)[-1]}"
    try:
        info = os.stat(located.path)
        return f"{CONTENT_VERSION}:{located.path}:{info.st_size}:{info.st_mtime_ns}"
    except OSError:
        return f"{CONTENT_VERSION}:{located.path}"


def _inspect(located: Located, cache: ContentCache, scratch: Path) -> SourceContent:
    key = _content_key(located)
    hit = cache.get(key)
    if hit is not None:
        return hit
    content = inspect_source(located.path, scratch=scratch)
    cache.put(key, content)
    return content


# --- folding ------------------------------------------------------------------

def _relative(path: str, top: str | None) -> str:
    first = path.split("!/", 1)[0]
    if top and first.startswith(top + "/"):
        return path[len(top) + 1:]
    return path


class _Forms:
    """The forms of the package files, read on demand, found by where they start."""

    def __init__(self, files: dict[str, str] | None) -> None:
        self.files = files or {}
        self._by_file: dict[str, dict[int, Any]] = {}

    def at(self, location: Any) -> Any:
        if location is None:
            return None
        file = location.file
        table = self._by_file.get(file)
        if table is None:
            table = self._by_file[file] = self._read(file)
        return table.get((location.line, location.column))

    def _read(self, file: str) -> dict[Any, Any]:
        from guixml.scheme import read_file
        root = self.files.get(file)
        path = os.path.join(root, file) if root else file
        try:
            forms = read_file(path)
        except Exception:  # unreadable here: the index already reported it
            return {}
        table: dict[Any, Any] = {}
        stack = list(forms)
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                location = getattr(node, "location", None)
                if location is not None:
                    table.setdefault((location.line, location.column), node)
                stack.extend(node)
        return table


def _field(form: Any, name: str) -> Any:
    """The value of the field NAME written in the record FORM, or None."""
    if not isinstance(form, list):
        return None
    for item in form[1:]:
        if isinstance(item, list) and len(item) >= 2 and _name(item[0]) == name:
            return item[1] if len(item) == 2 else item[1:]
    return None


def _deletions_of(package: Any, label: str | None, forms: _Forms) -> tuple[Deletion, ...]:
    if label is None:
        origin = package.source
        found = static_deletions(_field(forms.at(origin.location), "snippet")) if origin else ()
        return found + static_deletions(_field(forms.at(package.location), "arguments"))
    for item in package.all_inputs():
        if item.origin is not None and item.label == label:
            return static_deletions(_field(forms.at(item.origin.location), "snippet"))
    return ()


def _record(wanted: Wanted, located: Located | None, content: SourceContent | None,
            deletions: Sequence[Deletion]) -> SourceRecord:
    if located is None:
        return SourceRecord(wanted.where, wanted.input)
    settings = weight_settings()
    findings: list[ContentFinding] = []
    for finding in content.findings if content else ():
        relative = _relative(finding.path, content.top if content else None)
        kind = finding.kind
        moved = attrs.evolve(finding, path=relative)
        if kind == "weights" and any(d.covers(relative.split("!/", 1)[0]) for d in deletions):
            kind = "removed"
        elif kind == "weights" and is_fixture(moved, settings):
            kind = "fixture"
        findings.append(attrs.evolve(moved, kind=kind))
    return SourceRecord(wanted.where, wanted.input, located.how, located.path,
                        located.verified, located.hash, located.recursive, tuple(findings),
                        tuple(content.warnings) if content else ())


def _describe(finding: ContentFinding, where: str) -> str:
    text = f"{finding.path} ({finding.format}, {finding.size} bytes"
    if finding.tensors is not None:
        text += f", {finding.tensors} tensors"
    return text + f") in {where}"


def fold(audit: PackageAudit, records: tuple[SourceRecord, ...],
         content_bytes: dict[int, int]) -> PackageAudit:
    """AUDIT amended by what RECORDS found (see the module docstring)."""
    evidence: list[Evidence] = []
    own_weights: list[ContentFinding] = []
    inputs: list[str] = []
    externals: list[ContentFinding] = []
    for number, record in enumerate(records):
        where = "the source" if record.input is None else f"input {record.input}"
        unverified = "" if record.verified else "matched by name only (unverified); "
        for finding in record.findings:
            if finding.kind == "fixture":
                evidence.append(Evidence("source-weights-fixture", "source",
                                         _describe(finding, where),
                                         unverified + "a test or toy model (small, or under a "
                                         "test or example directory): not counted"))
            elif finding.kind == "weights":
                rule = "source-weights" if record.input is None else "source-weights-input"
                note = unverified + finding.evidence
                if finding.unsafe:
                    note += ("; pickle-based: loading it runs code"
                             + (f", importing {', '.join(finding.imports[:8])}"
                                if finding.imports else ""))
                evidence.append(Evidence(rule, "source", _describe(finding, where), note))
                if record.input is None:
                    own_weights.append(finding)
                elif record.input not in inputs:
                    inputs.append(record.input)
            elif finding.kind == "removed":
                evidence.append(Evidence("source-weights-removed", "source",
                                         _describe(finding, where),
                                         "deleted by the origin's snippet or the build"))
            elif finding.kind == "external":
                externals.append(finding)
                evidence.append(Evidence("source-download", "source",
                                         f"{finding.path}:{finding.line} downloads "
                                         f"{finding.model or 'a model'} at run time",
                                         unverified + finding.evidence))
    inspected = any(r.how is not None for r in records)
    changes: dict[str, Any] = {"sources": records, "inspected": inspected}
    if not evidence:
        return attrs.evolve(audit, **changes)
    # What decides first: weights kept and downloads, then what was removed or is a fixture.
    evidence.sort(key=lambda e: e.rule in ("source-weights-removed", "source-weights-fixture"))
    changes["evidence"] = (*audit.evidence, *evidence)
    role = audit.weights
    if not audit.from_properties:
        if own_weights:
            total = sum(content_bytes.get(i, 0) for i, r in enumerate(records) if r.input is None)
            # Weights compiled from source (C arrays) are code: tangled, never the payload.
            share = sum(f.size for f in own_weights if f.format != "c-array") / total \
                if total else 0.0
            if role in ("none", "external"):
                role = "model" if share >= float(weight_settings()["model_share"]) else "tangled"
        elif inputs and role in ("none", "external"):
            role = "separate"
            changes["weight_inputs"] = tuple(dict.fromkeys((*audit.weight_inputs, *inputs)))
        elif externals and role == "none":
            role = "external"
    changes["weights"] = role
    if role != audit.weights:
        changes["confidence"] = 0.9
    return attrs.evolve(audit, **changes)


def deepen(result: AuditResult, options: SourceOptions,
           progress: Callable[[str, int, int], None] | None = None,
           files: dict[str, str] | None = None) -> AuditResult:
    """RESULT with each package's sources sought, inspected and folded in.
    FILES maps a package file (as its locations name it) to its tree's root,
    where the snippets and build arguments are read from."""
    if not options.active:
        return result
    wanted_by: list[list[Wanted]] = [wanted_from_package(a.package) for a in result.packages]
    flat = [w for group in wanted_by for w in group]
    warnings: list[SourceWarning] = []
    found = _locate(flat, options, warnings)
    root = Path(sources_cache_dir(options.cache_dir))
    cache = ContentCache(root / "content.json")
    forms = _Forms(files)
    packages: list[PackageAudit] = []
    position = 0
    done = 0
    for audit, group in zip(result.packages, wanted_by):
        records = []
        sizes: dict[int, int] = {}
        for number, wanted in enumerate(group):
            located = found.get(position)
            position += 1
            content = None
            if located is not None:
                content = _inspect(located, cache, root / "unpack")
                sizes[number] = content.bytes
                done += 1
                if progress:
                    progress("inspecting", done, len(found))
            records.append(_record(wanted, located, content,
                                   _deletions_of(audit.package, wanted.input, forms)
                                   if located is not None else ()))
        packages.append(fold(audit, tuple(records), sizes))
    cache.save()
    from guixml.classify.results import Problem
    problems = tuple(Problem(str(w), None, "hash-mismatch" if w.kind == "hash-mismatch"
                             else "warning") for w in warnings)
    return AuditResult(tuple(packages), result.problems + problems)
