"""The hashes of a file, a tree or an archive, computed once and cached.

For an item on disk, :func:`item_hashes` gives, in nix-base32:

- ``sha256``: the flat sha256 of a regular file (what ``url-fetch`` declares);
- ``nar``: the NAR sha256 of the item itself, file, symlink or directory (what
  ``git-fetch`` declares of a checkout, and ``url-fetch/executable`` of a file);
- ``unpacked``: the NAR sha256 of an archive's unpacked top directory, whose
  name is in ``unpacked-top`` (see :mod:`guixml.sources.archive`).

A regular file's ``sha256`` and ``nar`` come from one read.  The cache
(:class:`HashCache`) keys them on the path and the item's full ``lstat``
(device, inode, size, mtime_ns, ctime_ns); for a directory, on a digest of
the ``lstat`` of every node under it, so an edit deep inside is seen.  As in
git's index, an entry is *racily clean* when a node's mtime is not older than
the moment its hashing began: it may have changed within the clock's
granularity, so it is hashed again.  The cache is JSON, sealed as the
index's entries are (:func:`guixml.index.seal`: a file planted or edited by
someone without the cache key, which would make a wrong file pass for a
declared hash, is a miss), checked field by field, never unpickled, written
atomically; a damaged or foreign cache is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from guixml.atomic import write_bytes_atomic
from guixml.index import decode_verified, seal, unseal
from guixml.sources.archive import ArchiveError, Limits, unpacked_nar_hash
from guixml.sources.common import SourcesError, SourceWarning, nix_base32, sources_cache_dir
from guixml.sources.nar import NarError, nar_file_prefix, nar_file_suffix, nar_hash

__all__ = ["HashCache", "item_hashes", "CACHE_VERSION"]

CACHE_VERSION = 1
_CHUNK = 1 << 20
_MAX_CACHE_BYTES = 256 << 20
_HASH_KEYS = frozenset(["sha256", "nar", "unpacked", "unpacked-top"])
_ENTRY_NAME = "hashes.json"


def _stat_key(info: os.stat_result) -> list[int]:
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _tree_stamp(root: str) -> tuple[str, int]:
    """A digest of the lstat of every node under ROOT and the newest mtime_ns."""
    digest = hashlib.sha256()
    newest = 0
    stack = [os.fsencode(root)]
    while stack:
        directory = stack.pop()
        try:
            names = sorted(os.listdir(directory))
        except OSError as error:
            raise SourcesError(os.fsdecode(directory),
                               f"cannot list: {error.strerror}") from None
        for name in names:
            path = directory + b"/" + name
            try:
                info = os.lstat(path)
            except OSError as error:
                raise SourcesError(os.fsdecode(path), f"cannot stat: {error.strerror}") from None
            digest.update(path + b"\0" + repr(_stat_key(info) + [info.st_mode]).encode())
            newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
            if stat.S_ISDIR(info.st_mode):
                stack.append(path)
    return digest.hexdigest(), newest


class HashCache:
    """Computed hashes by path and stat, in one JSON file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = self._load()
        self.dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self.path, "rb") as stream:
                data = stream.read(_MAX_CACHE_BYTES + 1)
            if len(data) > _MAX_CACHE_BYTES:
                return {}
            payload = unseal("hashes", _ENTRY_NAME, data)
            if payload is None:
                return {}
            document = decode_verified("json", payload)
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(document, dict) or document.get("version") != CACHE_VERSION:
            return {}
        entries = document.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {key: value for key, value in entries.items()
                if isinstance(key, str) and _valid_entry(value)}

    def get(self, path: str, stamp: list[Any], newest_ns: int
            ) -> tuple[dict[str, str], list[SourceWarning]] | None:
        """The hashes (and warnings) recorded for PATH at STAMP, unless racily
        clean or absent."""
        entry = self.entries.get(path)
        if entry is None or entry["stamp"] != stamp:
            return None
        if newest_ns >= entry["started_ns"]:
            return None  # racily clean: may have changed after it was hashed
        return dict(entry["hashes"]), [SourceWarning(where, message)
                                       for where, message in entry.get("warnings", [])]

    def put(self, path: str, stamp: list[Any], started_ns: int, hashes: dict[str, str],
            warnings: list[SourceWarning] | None = None) -> None:
        entry: dict[str, Any] = {"stamp": stamp, "started_ns": started_ns,
                                 "hashes": dict(hashes)}
        if warnings:
            entry["warnings"] = [[item.where, item.message] for item in warnings]
        self.entries[path] = entry
        self.dirty = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is let be."""
        if not self.dirty:
            return
        document = {"version": CACHE_VERSION, "entries": self.entries}
        sealed = seal("hashes", _ENTRY_NAME, json.dumps(document, sort_keys=True).encode())
        if sealed is None:
            return  # no cache key: no cache
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.path, sealed, durable=False)
            self.dirty = False
        except OSError:
            pass


def _valid_entry(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    stamp, started, hashes = value.get("stamp"), value.get("started_ns"), value.get("hashes")
    notes = value.get("warnings", [])
    if not (isinstance(notes, list) and all(
            isinstance(note, list) and len(note) == 2
            and all(isinstance(part, str) for part in note) for note in notes)):
        return False
    return (isinstance(stamp, list) and len(stamp) in (2, 5)
            and all(type(item) in (int, str) for item in stamp)
            and type(started) is int
            and isinstance(hashes, dict)
            and all(key in _HASH_KEYS and isinstance(item, str) and len(item) < 4096
                    for key, item in hashes.items()))


def _file_hashes(path: str, info: os.stat_result) -> dict[str, str]:
    """Flat sha256 and NAR sha256 of a regular file, from one read."""
    size = info.st_size
    flat = hashlib.sha256()
    nar = hashlib.sha256(nar_file_prefix(size, bool(info.st_mode & 0o100)))
    read = 0
    try:
        with open(path, "rb", buffering=0) as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                flat.update(chunk)
                nar.update(chunk)
                read += len(chunk)
    except OSError as error:
        raise SourcesError(path, f"cannot read: {error.strerror}") from None
    if read != size:
        raise SourcesError(path, f"changed while read ({read} bytes, {size} expected)")
    nar.update(nar_file_suffix(size))
    return {"sha256": nix_base32(flat.digest()), "nar": nix_base32(nar.digest())}


def item_hashes(path: str | os.PathLike[str], cache: HashCache | None = None, *,
                archives: bool = True, scratch: str | os.PathLike[str] | None = None,
                limits: Limits = Limits(),
                warnings: list[SourceWarning] | None = None) -> dict[str, str]:
    """The hashes of the item at PATH (see the module docstring), through CACHE.

    ARCHIVES also gives a regular file that is an archive its ``unpacked``
    hash (temporary room in SCRATCH, by default beside CACHE).  Raises
    :class:`SourcesError`, naming the path, for an item that cannot be read
    or hashed; an archive that cannot be unpacked keeps its file hashes and
    adds a located warning to WARNINGS (as do members skipped), cached with
    the hashes so a second run reports them too.
    """
    path = os.path.abspath(os.fspath(path))
    try:
        info = os.lstat(path)
    except OSError as error:
        raise SourcesError(path, f"cannot stat: {error.strerror}") from None
    started = time.time_ns()
    newest = max(info.st_mtime_ns, info.st_ctime_ns)
    stamp: list[Any] = _stat_key(info)
    if stat.S_ISDIR(info.st_mode):
        tree, tree_newest = _tree_stamp(path)
        stamp = [tree, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]
        newest = max(newest, tree_newest)
    key = f"{path}\0{'a' if archives else ''}"
    if cache is not None:
        cached = cache.get(key, stamp, newest)
        if cached is not None:
            hashes, old = cached
            if warnings is not None:
                warnings.extend(old)
            return hashes
    hashes: dict[str, str]
    found_warnings: list[SourceWarning] = []
    if stat.S_ISREG(info.st_mode):
        hashes = _file_hashes(path, info)
        if archives:
            room = scratch if scratch is not None else (
                cache.path.parent / "unpack" if cache is not None
                else sources_cache_dir() / "unpack")
            try:
                unpacked = unpacked_nar_hash(path, room, limits)
            except ArchiveError as error:
                found_warnings.append(error.warning())
            else:
                if unpacked is not None:
                    hashes["unpacked"] = nix_base32(unpacked.digest)
                    hashes["unpacked-top"] = unpacked.top
                    found_warnings.extend(unpacked.warnings)
    elif stat.S_ISDIR(info.st_mode) or stat.S_ISLNK(info.st_mode):
        try:
            hashes = {"nar": nix_base32(nar_hash(path))}
        except NarError as error:
            raise SourcesError(error.where, error.message) from None
    else:
        raise SourcesError(path, "neither a file, a directory nor a symbolic link")
    if cache is not None:
        cache.put(key, stamp, started, hashes, found_warnings)
    if warnings is not None:
        warnings.extend(found_warnings)
    return hashes

