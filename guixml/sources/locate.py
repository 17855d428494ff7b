"""``--sources DIR…``: find origins among files, directories and archives by content.

Each DIR is a directory of archives and checkouts (a mirror, ``guix build -S``
output, Debian source archives).  Its candidates are its entries: a regular
file gives its flat sha256, the NAR hash of itself and, for an archive, the
NAR hash of its unpacked top directory; a directory gives its NAR hash, and
is searched on for archive files (to DEPTH levels; directories below the
first level are not hashed as checkouts).  An origin is found where the hash
it declares is one of these, of the kind its method takes (flat for
``url-fetch``, NAR for the rest; an unpacked archive matches a recursive
origin, as a Debian orig tarball matches a ``git-fetch`` checkout).  Hashes
are cached (:class:`~guixml.sources.hashes.HashCache`), so a second run
reads nothing that did not change.

Only when no content matches, a candidate whose file name carries the
origin's file name, or its package's name and version, is reported with
``how="name"`` and ``verified=False``: unverified.

Public API::

    scan_sources(dirs, cache, depth=3) -> (candidates, warnings)
    locate_sources(wanted, dirs, cache_dir=None, depth=3) -> (located, warnings)
    name_matches(wanted, file_name) -> bool
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterable, Sequence

from attrs import frozen

from guixml.sources.archive import Limits
from guixml.sources.common import (Located, SourcesError, SourceWarning, Wanted,
                                   declared_digest, sources_cache_dir)
from guixml.sources.hashes import HashCache, item_hashes
from guixml.sources.store import method_spec, origin_name

__all__ = ["Candidate", "scan_sources", "locate_sources", "name_matches"]

_ARCHIVE_NAME = re.compile(r"\.(tar(\.\w+)?|t[gbx]z|tbz2|zip|crate|gem|whl|gz|xz|bz2|zst|lz)$",
                           re.IGNORECASE)
_PREFIXES = ("python-", "r-", "perl-", "ruby-", "emacs-", "ghc-", "go-", "rust-", "sbcl-",
             "cl-", "ecl-", "guile-", "ocaml-", "julia-", "node-", "texlive-", "font-")


@frozen
class Candidate:
    """A file or directory of ``--sources`` and its hashes (nix-base32)."""

    path: str
    hashes: tuple[tuple[str, str], ...]

    def hash(self, kind: str) -> str | None:
        for key, value in self.hashes:
            if key == kind:
                return value
        return None


def _walk(root: str, depth: int, warnings: list[SourceWarning]) -> Iterable[tuple[str, bool]]:
    """(path, hash-as-checkout?) for ROOT's entries, and archive files below."""
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        directory, level = stack.pop()
        try:
            names = sorted(os.listdir(directory))
        except OSError as error:
            warnings.append(SourceWarning(directory, f"cannot list: {error.strerror}"))
            continue
        for name in names:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
            except OSError as error:
                warnings.append(SourceWarning(path, f"cannot stat: {error.strerror}"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if level == 0:
                    yield path, True
                if level + 1 < depth:
                    stack.append((path, level + 1))
            elif stat.S_ISREG(info.st_mode) and (level == 0 or _ARCHIVE_NAME.search(name)):
                yield path, False


def scan_sources(dirs: Sequence[str | os.PathLike[str]], cache: HashCache | None, *,
                 depth: int = 3, scratch: str | os.PathLike[str] | None = None,
                 limits: Limits = Limits()) -> tuple[list[Candidate], list[SourceWarning]]:
    """The candidates of DIRS with their hashes (see the module docstring)."""
    candidates: list[Candidate] = []
    warnings: list[SourceWarning] = []
    for directory in dirs:
        root = os.path.abspath(os.fspath(directory))
        if not os.path.isdir(root):
            warnings.append(SourceWarning(root, "not a directory: no sources read there"))
            continue
        for path, _ in _walk(root, depth, warnings):
            try:
                hashes = item_hashes(path, cache, scratch=scratch, limits=limits,
                                     warnings=warnings)
            except SourcesError as error:
                warnings.append(error.warning())
                continue
            candidates.append(Candidate(path, tuple(sorted(hashes.items()))))
    return candidates, warnings


def _bare(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def name_matches(wanted: Wanted, file_name: str) -> bool:
    """Whether FILE_NAME carries WANTED's file name, or its name and version."""
    lowered = file_name.lower()
    own = origin_name(wanted)
    if own and lowered == own.lower():
        return True
    if not wanted.package or not wanted.version:
        return False
    version = re.escape(wanted.version.lower())
    for name in {wanted.package, _bare(wanted.package)}:
        stem = re.escape(name.lower()).replace(r"\-", "[-_.]")
        if re.match(rf"^(?:r-cran-|r-bioc-|python-|fonts-)?{stem}[-_]v?{version}(?:[-_.+~]|$)",
                    lowered):
            return True
    return False


def _by_hash(candidates: Sequence[Candidate]) -> dict[tuple[str, str], Candidate]:
    """(kind, hash) → the first candidate that has it."""
    index: dict[tuple[str, str], Candidate] = {}
    for candidate in candidates:
        for kind, value in candidate.hashes:
            index.setdefault((kind, value), candidate)
    return index


def _match(wanted: Wanted, candidates: Sequence[Candidate],
           index: dict[tuple[str, str], Candidate] | None = None) -> Located | None:
    spec = method_spec(wanted.method)
    digest = declared_digest(wanted)
    if spec is None or digest is None:
        return None
    # The decoding is strict (no bits beyond the length), so the declared
    # string is the canonical notation of DIGEST: no need to encode it again.
    expected = wanted.sha256
    assert expected is not None
    kinds = ("nar", "unpacked") if spec.recursive else ("sha256",)
    if index is None:
        index = _by_hash(candidates)
    for kind in kinds:
        candidate = index.get((kind, expected))
        if candidate is not None:
            member = candidate.hash("unpacked-top") if kind == "unpacked" else None
            return Located(wanted, candidate.path, "sources", True, expected,
                           spec.recursive, member)
    return None


def _squash(text: str) -> str:
    return re.sub(r"[-_.]", "", text.lower())


def locate_sources(wanted: Iterable[Wanted], dirs: Sequence[str | os.PathLike[str]], *,
                   cache_dir: str | os.PathLike[str] | None = None, depth: int = 3,
                   limits: Limits = Limits()) -> tuple[list[Located], list[SourceWarning]]:
    """The sources of WANTED found in DIRS: by content, else (unverified) by name."""
    root = sources_cache_dir(cache_dir)
    cache = HashCache(Path(root) / "hashes.json")
    candidates, warnings = scan_sources(dirs, cache, depth=depth, scratch=Path(root) / "unpack",
                                        limits=limits)
    cache.save()
    found: list[Located] = []
    index = _by_hash(candidates)
    names = [(candidate, os.path.basename(candidate.path)) for candidate in candidates]
    squashed = [_squash(name) for _, name in names]
    for item in wanted:
        located = _match(item, candidates, index)
        if located is None and item.package:
            # A cheap filter first: the bare name must occur in the file name.
            stem = _squash(_bare(item.package))
            own = (origin_name(item) or "").lower()
            named = [candidate for (candidate, name), flat in zip(names, squashed)
                     if (stem in flat or name.lower() == own) and name_matches(item, name)]
            if named:
                spec = method_spec(item.method)
                recursive = bool(spec and spec.recursive)
                chosen = named[0]
                found_hash = ((chosen.hash("unpacked") or chosen.hash("nar")) if recursive
                              else chosen.hash("sha256"))
                located = Located(item, chosen.path, "name", False, found_hash, recursive)
        if located is not None:
            found.append(located)
    return found, warnings
