"""Persistent cache of per-file summaries, keyed on file content and guixml version.

One SQLite database (standard library ``sqlite3``) in ``$GUIXML_CACHE_DIR``,
else ``$XDG_CACHE_HOME/guixml``, else ``~/.cache/guixml``.  Table ``summary``
maps the SHA-256 of a file's bytes (plus the guixml version and the file's
path as shown, which the summary records) to the pickled
:class:`guixml.evaluate.summary.ModuleSummary`.  Table ``seen`` remembers, per path, the
stamp (size, modification and change times, inode, device) at which the
content hash was last computed and when, so an unchanged file is not read
again; a file that had changed less than RACY_NS before is hashed again
(git's "racily clean" rule), and the key is still its content.  A second, whole-channel
entry (the file ``channel.marshal`` beside the database) keyed on the hash of
all file keys holds the linked packages (in the shares linking made), so an
unchanged channel loads in one read; it also records the library modules
(``guix/…``) linking looked up and how their files stood
(:func:`guixml.index.channel.library_stamp`), and a load whose library changed is a
miss.  A third (``audits.pickle``) holds the last whole-channel
classification, keyed on that hash, the rules and guixml's code, and checked
against the library modules it looked up, so auditing the same tree again in
another format or against another policy does not classify it again.

Every entry (summary, ``seen`` row, channel, audits) is sealed with a keyed
tag and checked before it is decoded (:mod:`guixml.index.sealed`): a planted,
torn or damaged entry is a miss, computed again and rewritten.  A garbage or
corrupt database is removed and made anew; a full disk or a read-only
directory only means that less is stored; a directory or key not its
owner's alone means no cache.  At most one warning says so: the cache only
ever saves time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Any

from guixml.evaluate import ModuleSummary
from guixml.index.sealed import cache_key, decode_verified, private_directory, seal, unseal, \
    warn_once
from guixml.version import __version__

__all__ = ["Cache", "open_cache", "cache_directory", "file_stamp", "stamp_of", "RACY_NS",
           "remove_stale_temporaries"]

SCHEMA_VERSION = "4"


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
    from guixml.version import build_mode
    h = hashlib.sha256()
    h.update(build_mode().encode())  # pure and compiled never share pickles
    base = Path(__file__).parent.parent
    for name in _evaluation_code(base):
        try:
            h.update((base / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:16]


def open_cache(directory: str | None = None) -> "Cache | None":
    flush_writes()  # what this process is still writing is read back complete
    where = cache_directory(directory)
    if cache_key() is None or not private_directory(where):
        return None  # warned once: run without a cache
    try:
        return Cache(where)
    except (OSError, sqlite3.Error) as error:
        warn_once(f"cache {where}: {error}; running without a cache")
        return None


#: Leftovers of a killed run's atomic writes older than this are removed.
STALE_TEMPORARY_S = 600

#: A file changed less than this before its hash was taken may change again
#: within the file system's time granularity unseen (git's "racily clean"):
#: its stored hash is not trusted, it is hashed again.
RACY_NS = 2_000_000_000


def remove_stale_temporaries(directory: Path, now: float | None = None) -> None:
    """Remove the temporary files of atomic writes (``.NAME.XXXX.tmp``) that a
    killed run left in DIRECTORY, once older than STALE_TEMPORARY_S."""
    now = time.time() if now is None else now
    try:
        leftovers = list(directory.glob(".*.tmp"))
    except OSError:
        return
    for path in leftovers:
        try:
            if now - path.lstat().st_mtime > STALE_TEMPORARY_S:
                path.unlink()
        except OSError:
            pass


class Cache:
    """The summaries cache; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "index.sqlite3"
        remove_stale_temporaries(directory)
        try:
            self.db = self._connect()
        except sqlite3.DatabaseError as error:
            if not _is_damage(error):
                raise  # full, read-only, locked: no cache this run
            # Garbage or half written (with its -wal/-shm): removed, made anew.
            self._remove_database()
            self.db = self._connect()
        self.version = f"{__version__}/{SCHEMA_VERSION}/{code_fingerprint()}"
        self._seen: dict[str, tuple[str, int, str]] | None = None
        self._pending_seen: list[tuple[str, bytes]] = []
        self.last_keys: list[str] = []

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != int(SCHEMA_VERSION):
                db.execute("DROP TABLE IF EXISTS summary")
                db.execute("DROP TABLE IF EXISTS seen")
                db.execute(f"PRAGMA user_version={int(SCHEMA_VERSION)}")
            db.execute("CREATE TABLE IF NOT EXISTS summary (key TEXT PRIMARY KEY, blob BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS seen (path TEXT PRIMARY KEY, entry BLOB)")
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    def _remove_database(self) -> None:
        warn_once(f"cache {self.path} was damaged; made anew")
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except OSError:
                pass

    def _damaged(self) -> None:
        """The database failed under a read: start again with an empty one
        (a miss now; what is computed is stored in the new one)."""
        try:
            self.db.close()
        except sqlite3.Error:
            pass
        self._remove_database()
        self._seen = {}
        try:
            self.db = self._connect()
        except (OSError, sqlite3.Error):
            self.db = sqlite3.connect(":memory:")
            self.db.execute("CREATE TABLE summary (key TEXT PRIMARY KEY, blob BLOB)")
            self.db.execute("CREATE TABLE seen (path TEXT PRIMARY KEY, entry BLOB)")

    def _failed_read(self, error: sqlite3.DatabaseError) -> None:
        if _is_damage(error):
            self._damaged()
        else:
            warn_once(f"cache {self.path}: {error}; not reading it")

    def _write(self, statement: str, rows: list) -> None:
        """Store ROWS, best effort: a full disk or a read-only directory only
        means that less is cached."""
        try:
            self.db.executemany(statement, rows)
        except sqlite3.DatabaseError as error:
            if _is_damage(error):
                self._damaged()
            else:
                warn_once(f"cache {self.path}: {error}; not storing")

    def commit(self) -> None:
        if self._pending_seen:
            rows, self._pending_seen = self._pending_seen, []
            self._write("INSERT OR REPLACE INTO seen VALUES (?, ?)", rows)
        try:
            self.db.commit()
        except sqlite3.Error as error:
            warn_once(f"cache {self.path}: {error}; not storing")

    # -- keys ------------------------------------------------------------------

    def _seen_table(self) -> dict[str, tuple[str, int, str]]:
        if self._seen is None:
            try:
                rows = self.db.execute("SELECT path, entry FROM seen").fetchall()
            except sqlite3.DatabaseError as error:
                self._failed_read(error)
                rows = []
            self._seen = {}
            for path, entry in rows:
                seen = _seen_of(path, entry)
                if seen is not None:
                    self._seen[path] = seen
        assert self._seen is not None
        return self._seen

    def digest(self, path: str) -> str | None:
        """The content hash of PATH, reusing the stored one while the file's
        stamp (size, times, inode, device) is the one it was hashed at and the
        file had not just changed then (see RACY_NS)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        stamp = stamp_of(st)
        seen = self._seen_table()
        known = seen.get(path)
        if known is not None and known[0] == stamp and \
                max(st.st_mtime_ns, st.st_ctime_ns) < known[1] - RACY_NS:
            return known[2]
        checked = time.time_ns()
        try:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return None
        seen[path] = (stamp, checked, digest)
        entry = seal("seen", path, f"{stamp}\1{checked}\1{digest}".encode())
        # Stored at the next commit: a write here would open a transaction that
        # holds the database's lock until then, and other connections (another
        # index of this process, the background writer) would wait on it.
        self._pending_seen.append((path, entry))
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
        self.commit()
        wanted = [k for k in keys if k]
        blobs: dict[str, Any] = {}
        try:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                marks = ",".join("?" * len(chunk))
                blobs.update(self.db.execute(
                    f"SELECT key, blob FROM summary WHERE key IN ({marks})", chunk))
        except sqlite3.DatabaseError as error:
            self._failed_read(error)
            blobs = {}
        return [_summary_of(k, blobs.get(k)) if k else None for k in keys]

    def put_blobs(self, items: list[tuple[str, str, bytes]]) -> None:
        """Store pickled summaries (as :func:`guixml.index.channel.dump_summary` makes them)."""
        rows = []
        for path, relative, blob in items:
            k = self.key(path, relative)
            sealed = seal("summary", k, blob) if k is not None else None
            if sealed is not None:
                rows.append((k, sealed))
        self._write("INSERT OR REPLACE INTO summary VALUES (?, ?)", rows)
        self.commit()

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
        blob = _load_entry(self.channel_path, "channel", key)
        if blob is None:
            return None
        try:
            entry = decode_verified("marshal", blob)
            packages: list = []
            for share in entry.pop("shares"):
                packages.extend(decode_verified("marshal", share)[0])
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
            _in_background(lambda: _store_entry(self.channel_path, "channel", key, blob))
        else:
            _store_entry(self.channel_path, "channel", key, blob)

    @property
    def audits_path(self) -> Path:
        """The file holding the last whole-channel classification (one entry)."""
        return self.path.with_name("audits.pickle")

    def get_audits(self, key: str) -> Any:
        """What :meth:`put_audits` stored under KEY, or None."""
        blob = _load_entry(self.audits_path, "audits", key)
        return None if blob is None else _load_plain(blob)

    def put_audits(self, key: str, value: Any) -> None:
        """Store VALUE (picklable) as the classification KEY, written by a
        thread while the caller goes on (see :meth:`put_channel`)."""
        def store() -> None:
            try:
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                return
            _store_entry(self.audits_path, "audits", key, blob)

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


def _load_entry(path: Path, kind: str, key: str) -> memoryview | None:
    """The verified payload of the one-entry file PATH when it holds KEY's
    entry of KIND (see _store_entry), else None."""
    try:
        with open(path, "rb") as stream:
            if stream.readline().rstrip(b"\n") != key.encode():
                return None
            return unseal(kind, key, stream.read())
    except OSError:
        return None


def file_stamp(path: str) -> str | None:
    """How the file PATH stands: size, modification and change times, inode
    (as git's index tells a changed file without reading it), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return stamp_of(st)


def stamp_of(st: os.stat_result) -> str:
    """A file's stamp from its ``stat``: size, times, inode and device."""
    return f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0{st.st_dev}"


def _store_entry(path: Path, kind: str, key: str, blob: bytes) -> None:
    """Replace the one-entry file PATH with KEY's BLOB of KIND, sealed, atomically."""
    from guixml.atomic import write_bytes_atomic
    sealed = seal(kind, key, blob)
    if sealed is None:
        return
    try:
        write_bytes_atomic(path, key.encode() + b"\n" + sealed, durable=False)
    except OSError as error:
        warn_once(f"cache {path}: {error.strerror or error}; not storing")


def dump_channel(value: Any) -> bytes:
    """The whole-channel entry: plain tuples, so ``marshal`` (fast to load) will do."""
    return marshal.dumps(value)


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether ERROR says the database file is garbage or corrupt (not full,
    read-only or locked, which are SQLite's "operational" errors)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return not isinstance(error, sqlite3.OperationalError)


def _load_plain(blob: Any) -> Any:
    """A verified pickle decoded (see :func:`guixml.index.sealed.decode_verified`)."""
    try:
        return decode_verified("pickle", blob)
    except Exception:  # an entry of another version of guixml: a miss
        return None


def _seen_of(path: str, entry: Any) -> tuple[str, int, str] | None:
    """The (stamp, when hashed, content hash) a verified ``seen`` row holds."""
    payload = unseal("seen", path, entry)
    if payload is None:
        return None
    try:
        stamp, checked, digest = bytes(payload).decode().split("\1")
        return stamp, int(checked), digest
    except ValueError:
        return None


def _summary_of(key: str, entry: Any) -> Any:
    """The summary in the stored ENTRY of KEY, or None: missing, its tag
    wrong (damaged, planted, another key), or not a summary."""
    payload = unseal("summary", key, entry)
    if payload is None:
        return None
    summary = _load_plain(payload)
    return summary if isinstance(summary, ModuleSummary) else None

