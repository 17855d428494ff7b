"""Persistent cache of per-file summaries, keyed on file content and guixml version.

One SQLite database (standard library ``sqlite3``) in ``$GUIXML_CACHE_DIR``,
else ``$XDG_CACHE_HOME/guixml``, else ``~/.cache/guixml``.  Table ``summary``
maps the SHA-256 of a file's bytes (plus the guixml version and the file's
path as shown, which the summary records) to the pickled
:class:`guixml.evaluate.summary.ModuleSummary`.  Table ``seen`` remembers, per path, the
(size, mtime) at which the content hash was last computed, so an unchanged
file is not read again; the key is still its content.  A second, whole-channel
entry (the file ``channel.marshal`` beside the database) keyed on the hash of
all file keys holds the linked packages (in the shares linking made), so an
unchanged channel loads in one read; it also records the library modules
(``guix/…``) linking looked up and how their files stood
(:func:`guixml.index.channel.library_stamp`), and a load whose library changed is a
miss.  A third (``audits.pickle``) holds the last whole-channel
classification, keyed on that hash, the rules and guixml's code, and checked
against the library modules it looked up, so auditing the same tree again in
another format or against another policy does not classify it again.

Any problem with the cache (unwritable directory, corrupt database) disables
it silently: the cache only ever saves time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from guixml.version import __version__

__all__ = ["Cache", "open_cache", "cache_directory"]

SCHEMA_VERSION = "3"


def cache_directory(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("GUIXML_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "guixml"


#: The code that decides what a summary or a linked package holds: the Scheme
#: and evaluation stages whole, and the index modules that link and pack.
_EVALUATION_STAGES = ("scheme", "evaluate")
_EVALUATION_CODE = ("index/channel.py", "index/link.py", "index/packed.py", "data/evaluation.toml")


def _evaluation_code(base: Path) -> list[str]:
    stages = [f"{stage}/{path.name}" for stage in _EVALUATION_STAGES
              for path in sorted((base / stage).glob("*.py"))]
    return stages + list(_EVALUATION_CODE)


def code_fingerprint() -> str:
    """A hash of the evaluation code, so a changed guixml never reads stale entries."""
    h = hashlib.sha256()
    base = Path(__file__).parent.parent
    for name in _evaluation_code(base):
        try:
            h.update((base / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:16]


def open_cache(directory: str | None = None) -> "Cache | None":
    flush_writes()  # what this process is still writing is read back complete
    try:
        return Cache(cache_directory(directory))
    except (OSError, sqlite3.Error):
        return None


class Cache:
    """The summaries cache; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "index.sqlite3"
        self.db = sqlite3.connect(str(self.path), timeout=10)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS summary (key TEXT PRIMARY KEY, blob BLOB)")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (path TEXT PRIMARY KEY, size INTEGER,"
                        " mtime INTEGER, digest TEXT)")
        self.db.commit()
        self.version = f"{__version__}/{SCHEMA_VERSION}/{code_fingerprint()}"
        self._seen: dict[str, tuple[int, int, str]] | None = None
        self.last_keys: list[str] = []

    # -- keys ------------------------------------------------------------------

    def _seen_table(self) -> dict[str, tuple[int, int, str]]:
        if self._seen is None:
            self._seen = {p: (s, m, d) for p, s, m, d in
                          self.db.execute("SELECT path, size, mtime, digest FROM seen")}
        return self._seen

    def digest(self, path: str) -> str | None:
        """The content hash of PATH, reusing the stored one while (size, mtime) match."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        seen = self._seen_table()
        known = seen.get(path)
        if known is not None and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return known[2]
        try:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return None
        seen[path] = (st.st_size, st.st_mtime_ns, digest)
        self._dirty_seen = True
        self.db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)",
                        (path, st.st_size, st.st_mtime_ns, digest))
        return digest

    def key(self, path: str, relative: str) -> str | None:
        digest = self.digest(path)
        if digest is None:
            return None
        return f"{digest}:{relative}:{self.version}"

    # -- summaries --------------------------------------------------------------------

    def get_summaries(self, files: list[tuple[str, str]]) -> list[Any]:
        keys = [self.key(path, relative) for path, relative in files]
        self.last_keys = [k or "" for k in keys]
        self.db.commit()
        wanted = [k for k in keys if k]
        blobs: dict[str, bytes] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            blobs.update(self.db.execute(
                f"SELECT key, blob FROM summary WHERE key IN ({marks})", chunk))
        out = []
        for k in keys:
            blob = blobs.get(k) if k else None
            out.append(_load_plain(blob) if blob is not None else None)
        return out

    def put_blobs(self, items: list[tuple[str, str, bytes]]) -> None:
        """Store pickled summaries (as :func:`guixml.index.channel.dump_summary` makes them)."""
        rows = []
        for path, relative, blob in items:
            k = self.key(path, relative)
            if k is not None:
                rows.append((k, blob))
        try:
            self.db.executemany("INSERT OR REPLACE INTO summary VALUES (?, ?)", rows)
            self.db.commit()
        except sqlite3.Error:
            pass

    def get_summary(self, path: str, relative: str) -> Any:
        return self.get_summaries([(path, relative)])[0]

    # -- whole channel ----------------------------------------------------------------

    def channel_key(self, keys: list[str], extra: str = "") -> str:
        h = hashlib.sha256(self.version.encode())
        for k in keys:
            h.update(k.encode())
            h.update(b"\0")
        h.update(extra.encode())
        return h.hexdigest()

    @property
    def channel_path(self) -> Path:
        """The file holding the whole-channel entry (one: the last channel linked)."""
        return self.path.with_name("channel.marshal")

    def get_channel(self, key: str) -> Any:
        """The whole-channel entry KEY: ``modules``, ``errors`` and ``packages``
        (packed, see :mod:`guixml.index.packed`), or None."""
        blob = _load_entry(self.channel_path, key)
        if blob is None:
            return None
        try:
            entry = marshal.loads(blob)
            packages: list = []
            for share in entry.pop("shares"):
                packages.extend(marshal.loads(share)[0])
            entry["packages"] = packages
            return entry
        except (ValueError, EOFError, TypeError, KeyError, IndexError, AttributeError):
            return None

    def put_channel(self, key: str, modules: list[str], errors: list[str],
                    shares: list, *, library: tuple[list[str], str] | None = None,
                    background: bool = False) -> None:
        """Store the linked channel: its MODULES, ERRORS and packed packages in
        SHARES, each a list or the ``marshal`` bytes of a (packages, errors, …)
        tuple as a linking worker sent it (stored as they are), and LIBRARY,
        the library modules linking used and their stamp
        (:func:`guixml.index.channel.library_stamp`), which a later load checks.

        A file of its own beside the database, replaced atomically (a reader
        sees the old entry or the new, and a torn one fails to load: a miss):
        SQLite took ten times longer to store its 27 MB.  With BACKGROUND, a
        thread writes it while the caller goes on; :meth:`flush` waits for
        it, and so does the interpreter at exit.
        """
        try:
            blob = dump_channel({"modules": modules, "errors": errors, "library": library,
                                 "shares": [
                share if isinstance(share, bytes) else dump_channel((share, []))
                for share in shares]})
        except (ValueError, TypeError, RecursionError):
            return
        if background:
            _in_background(lambda: _store_entry(self.channel_path, key, blob))
        else:
            _store_entry(self.channel_path, key, blob)

    @property
    def audits_path(self) -> Path:
        """The file holding the last whole-channel classification (one entry)."""
        return self.path.with_name("audits.pickle")

    def get_audits(self, key: str) -> Any:
        """What :meth:`put_audits` stored under KEY, or None."""
        blob = _load_entry(self.audits_path, key)
        return None if blob is None else _load_plain(blob)

    def put_audits(self, key: str, value: Any) -> None:
        """Store VALUE (picklable) as the classification KEY, written by a
        thread while the caller goes on (see :meth:`put_channel`)."""
        def store() -> None:
            try:
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                return
            _store_entry(self.audits_path, key, blob)

        _in_background(store)

    @staticmethod
    def flush() -> None:
        """Wait until what :meth:`put_channel` writes in the background is stored."""
        flush_writes()


#: Background writes under way (put_channel, put_audits), in this process.
_WRITERS: list = []


def flush_writes() -> None:
    """Wait for every background write of this process (see Cache.put_channel)."""
    while _WRITERS:
        _WRITERS.pop().join()


def _in_background(write: Any) -> None:
    """Run WRITE in a thread that flush_writes (and the exit) waits for."""
    import threading
    writer = threading.Thread(target=write, name="guixml-cache-writer")
    writer.start()
    _WRITERS.append(writer)


def _load_entry(path: Path, key: str) -> bytes | None:
    """The blob of the one-entry file PATH when it holds KEY (see _store_entry)."""
    try:
        with open(path, "rb") as stream:
            if stream.readline().rstrip(b"\n") != key.encode():
                return None
            return stream.read()
    except OSError:
        return None


def file_stamp(path: str) -> str | None:
    """How the file PATH stands: size, modification and change times, inode
    (as git's index tells a changed file without reading it), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def _store_entry(path: Path, key: str, blob: bytes) -> None:
    """Replace the one-entry file PATH with KEY's BLOB, atomically."""
    from guixml.atomic import write_bytes_atomic
    try:
        write_bytes_atomic(path, key.encode() + b"\n" + blob, durable=False)
    except OSError:
        pass  # the cache only ever saves time


def dump_channel(value: Any) -> bytes:
    """The whole-channel entry: plain tuples, so ``marshal`` (fast to load) will do."""
    return marshal.dumps(value)


def _load_plain(blob: bytes) -> Any:
    try:
        return pickle.loads(blob)
    except Exception:  # a corrupt or stale entry is a cache miss
        return None

