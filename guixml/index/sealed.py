"""Cache entries that cannot run code and cannot lie: each is sealed with a
keyed tag (HMAC-SHA-256), and nothing is decoded before its tag is checked.

The key is kept outside the cache, readable by its owner alone: 32 random
bytes in ``$XDG_CONFIG_HOME/guixml/cache-key`` (default
``~/.config/guixml/cache-key``), made ``0600`` in a ``0700`` directory on
first use, or given by ``GUIXML_CACHE_KEY`` (a CI secret, so that a cache the
forge restores verifies; without the key such a cache is a miss).  A key
file owned by another user or open to others is refused with a one-line
warning, and guixml then runs without a cache.

An entry is ``tag || payload``, the tag taken over the entry's kind, its name
(its key in the cache) and the payload, so an entry moved to another name or
kind fails too.  A bad tag is a miss; the caller computes the entry again and
rewrites it.  The cache directory itself must be its owner's: made ``0700``,
refused (a warning, no cache) when owned by another user or writable by
group or others (:func:`private_directory`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

__all__ = ["cache_key", "seal", "unseal", "decode_verified", "private_directory", "warn_once",
           "TAG_BYTES"]

TAG_BYTES = 32
KEY_BYTES = 32

#: The key found, by the environment it was looked for in (which may change
#: in tests; looking at it is cheap, building the path is not).
_KEYS: dict[tuple[str | None, ...], bytes | None] = {}
_WARNED: set[str] = set()


def warn_once(message: str) -> None:
    """MESSAGE on one line of stderr: the first warning about the cache in
    this process only (a cache that failed once says so once, not at every
    write it skips)."""
    if not _WARNED:
        _WARNED.add(message)
        print(f"guixml: warning: {message}", file=sys.stderr)


def _config_home() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "guixml"


def _owned_privately(st: os.stat_result, others: int) -> bool:
    return st.st_uid == os.geteuid() and not st.st_mode & others


def private_directory(directory: Path, what: str = "cache directory") -> bool:
    """Make DIRECTORY (0700) if missing; whether it is its owner's alone: a
    directory owned by another user, or writable by group or others, is
    refused with a one-line warning."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(directory)
    except OSError as error:
        warn_once(f"{what} {directory}: {error.strerror or error}; running without a cache")
        return False
    if not stat.S_ISDIR(st.st_mode):
        warn_once(f"{what} {directory} is not a directory; running without a cache")
        return False
    if not _owned_privately(st, stat.S_IWGRP | stat.S_IWOTH):
        warn_once(f"{what} {directory} is owned by another user or writable by others; "
                  "running without a cache")
        return False
    return True


def cache_key() -> bytes | None:
    """The key entries are sealed with (see the module docstring), or None:
    then there is no cache."""
    environ = os.environ
    where = (environ.get("GUIXML_CACHE_KEY"), environ.get("XDG_CONFIG_HOME"),
             environ.get("HOME"))
    found = _KEYS.get(where, _KEYS)
    if found is _KEYS:
        found = _KEYS[where] = _find_key(where[0] or "", str(_config_home()))
    return found  # type: ignore[return-value]


def _find_key(given: str, config: str) -> bytes | None:
    if given:
        return hashlib.blake2b(given.encode(), digest_size=KEY_BYTES,
                               person=b"guixml-key").digest()
    home = Path(config)
    if not private_directory(home, "key directory"):
        return None
    path = home / "cache-key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as error:
        warn_once(f"cache key {path}: {error.strerror or error}; running without a cache")
        return None
    key = os.urandom(KEY_BYTES)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        warn_once(f"cache key {path}: {error.strerror or error}; running without a cache")
        return None
    with os.fdopen(descriptor, "rb") as stream:
        st = os.fstat(stream.fileno())
        if not stat.S_ISREG(st.st_mode) or not _owned_privately(st, 0o077):
            warn_once(f"cache key {path} is owned by another user or open to others; "
                      "running without a cache")
            return None
        key = stream.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        warn_once(f"cache key {path} is not {KEY_BYTES} bytes; running without a cache")
        return None
    return key


def _tag(key: bytes, kind: str, name: str, payload: Any) -> bytes:
    # HMAC-SHA-256: with the processors' SHA instructions, 15 ms for the 27 MB
    # of Guix's linked channel, where keyed BLAKE2b took 23 ms.
    h = hmac.new(key, f"guixml-cache\0{kind}\0{name}\0".encode(), "sha256")
    h.update(payload)
    return h.digest()


def seal(kind: str, name: str, payload: bytes) -> bytes | None:
    """PAYLOAD as the entry NAME of KIND: tag, then payload (None: no key)."""
    key = cache_key()
    if key is None:
        return None
    return _tag(key, kind, name, payload) + payload


def unseal(kind: str, name: str, entry: Any) -> memoryview | None:
    """The payload of ENTRY when its tag is right for KIND and NAME, else None
    (a truncated, planted or damaged entry, or one of another key)."""
    key = cache_key()
    if key is None or not isinstance(entry, (bytes, bytearray, memoryview)) \
            or len(entry) < TAG_BYTES:
        return None
    view = memoryview(entry)
    payload = view[TAG_BYTES:]
    if not hmac.compare_digest(_tag(key, kind, name, payload), view[:TAG_BYTES]):
        return None
    return payload


def decode_verified(codec: str, blob: Any) -> Any:
    """BLOB decoded with CODEC (``pickle``, ``marshal`` or ``json``): the one place that does.

    Only ever called on bytes that :func:`unseal` verified, or that this
    process's own forked workers sent it through a pipe; never on bytes read
    from a file that was not verified first.
    """
    # Only ever on verified bytes (see above).
    if codec == "json":
        return json.loads(bytes(blob))
    return pickle.loads(blob) if codec == "pickle" else marshal.loads(blob)
