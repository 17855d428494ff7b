"""A cache of whole reports: an unchanged tree audited again with the same
options prints the same report, so the second run only checks that nothing
changed and prints it.

The key covers everything a report depends on: every ``.scm`` file under
each tree (and under ``GUIX_SOURCE``, a library for procedures) by name, size,
modification time, change time and inode, as git's index does (reading 50 MB
of Guix to hash it would cost more than the rest of a warm run; the change
time, which no tool can set back, catches what keeps size and modification
time, such as ``cp -p``, ``tar`` or ``rsync -t``), the rule and config files by
content, the options that shape the text, and guixml's own code and data.  A report whose text holds the current time (SPDX, CycloneDX)
is cached only when ``SOURCE_DATE_EPOCH`` fixes that time.  Entries live
beside the parse cache (``GUIXML_CACHE_DIR``, else ``$XDG_CACHE_HOME/guixml``);
the few most recent are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

from guixml.version import __version__
from guixml.atomic import write_bytes_atomic
from guixml.index import RACY_NS, private_directory, stamp_of, remove_stale_temporaries, seal, \
    unseal, warn_once

__all__ = ["ReportCache", "report_key", "report_stamp", "storable", "code_key"]

KEEP = 6  # entries kept; why: a CI runner alternates a few formats per tree

_GUIXML = Path(__file__).resolve().parent.parent


def _code_fingerprint(digest) -> None:
    """guixml's own code and data, by size and modification time."""
    for path in sorted(_GUIXML.rglob("*")):
        if path.suffix in (".py", ".toml", ".csv") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(_GUIXML)}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\n".encode())


def code_key() -> str:
    """A hash of guixml's own code and data (see _code_fingerprint)."""
    if not _CODE_KEY:
        digest = hashlib.blake2b(digest_size=20)
        from guixml.version import build_mode
        digest.update(f"guixml {__version__} {build_mode()}\n".encode())
        _code_fingerprint(digest)
        _CODE_KEY.append(digest.hexdigest())
    return _CODE_KEY[0]


_CODE_KEY: list[str] = []


def _stat(digest, path: str, shown: str, newest: list[int]) -> None:
    st = os.stat(path)
    newest[0] = max(newest[0], st.st_mtime_ns, st.st_ctime_ns)
    digest.update(f"{shown}\0{stamp_of(st)}\n".encode())


def _tree(digest, root: str, newest: list[int]) -> None:
    """Every .scm file under ROOT (or ROOT itself), by name, size, times,
    inode and device; NEWEST[0] becomes the latest time any was changed."""
    if os.path.isfile(root):
        _stat(digest, root, root, newest)
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".scm"):
                path = os.path.join(directory, name)
                _stat(digest, path, os.path.relpath(path, root), newest)


def report_key(paths: Iterable[str], files: Iterable[str], options: dict) -> str:
    """The key of a report of the trees PATHS, with the rule and config FILES
    and the text-shaping OPTIONS (JSON-serialisable)."""
    return report_stamp(paths, files, options)[0]


def report_stamp(paths: Iterable[str], files: Iterable[str],
                 options: dict) -> tuple[str, int]:
    """:func:`report_key`, and when a file of the trees last changed (ns).

    A report may be stored under that key only when that time is older than
    the key by :data:`guixml.index.RACY_NS` (:func:`storable`): a file
    changed just before may change again within the file system's time
    granularity without its stat showing it (git's "racily clean")."""
    newest = [0]
    digest = hashlib.blake2b(digest_size=20)
    digest.update(code_key().encode())
    digest.update(json.dumps(options, sort_keys=True).encode())
    trees = [*paths]
    library = os.environ.get("GUIX_SOURCE")
    if library:
        trees.append(library)
    for tree in trees:
        digest.update(f"tree {tree}\n".encode())
        _tree(digest, tree, newest)
    for file in files:
        digest.update(f"file {file}\n".encode())
        try:
            digest.update(Path(file).read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest(), newest[0]


def storable(newest: int, keyed_at: int) -> bool:
    """Whether a report whose key was taken at KEYED_AT (ns, ``time.time_ns``),
    of files last changed at NEWEST, may be stored (see report_stamp)."""
    return newest < keyed_at - RACY_NS


class ReportCache:
    """Reports by key, one file each, ``KEY.report``: sealed
    (:func:`guixml.index.seal`, so a planted or damaged report is a miss: it
    is never printed and its exit status never believed), holding the length
    of the outcome, the outcome (what the exit status needs, JSON) and the
    text."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.base = Path(directory)
        self.directory = self.base / "reports"

    def _usable(self) -> bool:
        return private_directory(self.base) and private_directory(self.directory)

    def get(self, key: str) -> tuple[memoryview, dict] | None:
        """The report's text as UTF-8 bytes (a view of the entry read: no
        decoding and no copy, it is only written out) and its outcome, or None."""
        if not self._usable():
            return None
        try:
            entry = (self.directory / f"{key}.report").read_bytes()
        except OSError:
            return None
        payload = unseal("report", key, entry)
        if payload is None or len(payload) < 8:
            return None
        size = int.from_bytes(payload[:8], "big")
        try:
            meta = json.loads(bytes(payload[8:8 + size]))
        except ValueError:
            return None
        if not isinstance(meta, dict):
            return None
        return payload[8 + size:], meta

    def put(self, key: str, data: bytes, meta: dict) -> None:
        """Store, best effort: a cache that cannot be written is no error."""
        if not self._usable():
            return
        outcome = json.dumps(meta).encode()
        entry = seal("report", key, len(outcome).to_bytes(8, "big") + outcome + data)
        if entry is None:
            return
        try:
            remove_stale_temporaries(self.directory)
            write_bytes_atomic(self.directory / f"{key}.report", entry, durable=False)
            self._prune()
        except OSError as error:
            warn_once(f"report cache {self.directory}: {error.strerror or error}; not storing")

    def _prune(self) -> None:
        entries = sorted(self.directory.glob("*.report"), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for stale in entries[KEEP:]:
            try:
                stale.unlink()
            except OSError:
                pass
