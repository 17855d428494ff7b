"""Writing a file so that readers see either the old text or the new, never half.

The new text goes to a temporary file in the same directory (so the final
``os.replace`` is a rename within one file system, which POSIX makes atomic),
is flushed to disk with ``fsync``, takes over the old file's permission bits,
and then replaces it.  If anything fails, the temporary file is removed and
the original is untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile

__all__ = ["write_text_atomic", "write_bytes_atomic"]


def write_text_atomic(path: str | os.PathLike[str], text: str,
                      encoding: str = "utf-8") -> None:
    """Replace the contents of PATH with TEXT, atomically and durably, keeping its mode.

    TEXT is written exactly: no newline translation, so a file read with
    ``newline=""`` and written back unchanged is byte-identical.
    """
    write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *,
                       durable: bool = True) -> None:
    """Replace the contents of PATH with DATA, atomically, keeping its mode.

    Readers see the old contents or the new, never a mix.  DURABLE also
    flushes the file and the rename to disk (``fsync``), as a user's source
    file deserves; caches and reports, cheap to make again, skip it (syncing
    50 MB would double a warm audit).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    descriptor, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        else:
            # mkstemp creates 0600; a new file gets the usual umask-based mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    if durable:
        _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; not every platform allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
