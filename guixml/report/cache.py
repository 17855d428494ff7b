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
from guixml.index.cache import file_stamp

__all__ = ["ReportCache", "report_key", "code_key"]

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
        digest.update(f"guixml {__version__}\n".encode())
        _code_fingerprint(digest)
        _CODE_KEY.append(digest.hexdigest())
    return _CODE_KEY[0]


_CODE_KEY: list[str] = []


def _stat(digest, path: str, shown: str) -> None:
    stamp = file_stamp(path)
    if stamp is None:
        raise FileNotFoundError(path)
    digest.update(f"{shown}\0{stamp}\n".encode())


def _tree(digest, root: str) -> None:
    """Every .scm file under ROOT (or ROOT itself), by name, size, times and inode."""
    if os.path.isfile(root):
        _stat(digest, root, root)
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".scm"):
                path = os.path.join(directory, name)
                _stat(digest, path, os.path.relpath(path, root))


def report_key(paths: Iterable[str], files: Iterable[str], options: dict) -> str:
    """The key of a report of the trees PATHS, with the rule and config FILES
    and the text-shaping OPTIONS (JSON-serialisable)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(code_key().encode())
    digest.update(json.dumps(options, sort_keys=True).encode())
    trees = [*paths]
    library = os.environ.get("GUIX_SOURCE")
    if library:
        trees.append(library)
    for tree in trees:
        digest.update(f"tree {tree}\n".encode())
        _tree(digest, tree)
    for file in files:
        digest.update(f"file {file}\n".encode())
        try:
            digest.update(Path(file).read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()


class ReportCache:
    """Reports by key, as files: KEY.txt (the text) and KEY.json (what the
    exit status needs)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory) / "reports"

    def get(self, key: str) -> tuple[bytes, dict] | None:
        """The report's text as UTF-8 bytes (no decoding: it is only copied
        out) and its outcome, or None."""
        try:
            meta = json.loads((self.directory / f"{key}.json").read_bytes())
            data = (self.directory / f"{key}.txt").read_bytes()
        except (OSError, ValueError):
            return None
        return data, meta

    def put(self, key: str, data: bytes, meta: dict) -> None:
        """Store, best effort: a cache that cannot be written is no error.
        The outcome is written last, so a half-written entry is never read."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.directory / f"{key}.txt", data, durable=False)
            write_bytes_atomic(self.directory / f"{key}.json", json.dumps(meta).encode(),
                               durable=False)
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        metas = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
        for stale in metas[KEEP:]:
            for path in (stale, stale.with_suffix(".txt")):
                try:
                    path.unlink()
                except OSError:
                    pass

