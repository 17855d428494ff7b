"""Writing a file so that readers see either the old text or the new, never half.

:func:`write_bytes_atomic` (caches, reports): the new text goes to a temporary
file in the same directory (so the final ``os.replace`` is a rename within one
file system, which POSIX makes atomic), is flushed to disk with ``fsync``,
takes over the old file's permission bits, and then replaces it.  If anything
fails, the temporary file is removed and the original is untouched.

:func:`rewrite_file` (a user's source file, ``guixml annotate --write``) also
keeps everything else the file is: see its docstring for the guarantee.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

from guixml.errors import GuixmlError

__all__ = ["write_text_atomic", "write_bytes_atomic", "rewrite_file", "NotWritten",
           "BACKUP_SUFFIX"]

#: The name of the copy of the original kept while a file is rewritten in place.
BACKUP_SUFFIX = ".guixml-backup"


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


# --- rewriting a user's file -------------------------------------------------

class NotWritten(GuixmlError):
    """A file :func:`rewrite_file` left as it was; the message is the one-line reason."""


class _CannotKeep(Exception):
    """A replacement by rename would lose something of the file (owner, xattrs…)."""


def rewrite_file(path: str | os.PathLike[str], expected: bytes, data: bytes) -> str:
    """Replace the contents of the regular file PATH, which must still be EXPECTED, by DATA.

    Returns how it was written: ``"renamed"`` or ``"in place"``; raises
    :class:`NotWritten` (never a bare ``OSError``) with the reason when it did
    not write, the file then being exactly as it was.

    What is kept: the inode's identity as others see it — its hard links, owner,
    group, permission bits and extended attributes (ACLs included).  Refused: a
    symbolic link or anything but a regular file (the caller resolves links it
    means to follow), a file whose mode has no write bit (guixml does not make
    a read-only file writable behind its owner's back, not even as root), a
    file whose bytes are no longer EXPECTED (edited since it was read), a file
    beside which an interrupted rewrite left its backup.

    How, and what a crash (``kill -9``, power loss) can leave:

    * when the file has one link and a copy can be given its owner, group,
      mode and xattrs (the usual case), DATA goes to a temporary file in the
      same directory, is ``fsync``ed, given the metadata (checked with
      ``fstat``), the file is compared with EXPECTED once more, and the
      temporary replaces it by ``rename``: a crash leaves the old file or
      the new one, never a mix (and at worst a stray ``.NAME.*.tmp``);
    * otherwise (hard links, an owner a copy cannot get) the file is written
      over its own inode, which keeps every link and all metadata: first a
      complete copy of EXPECTED is made durable as ``NAME.guixml-backup``
      beside it (written to a temporary name, ``fsync``ed, renamed), then the
      file is compared, overwritten, truncated, ``fsync``ed, and the backup
      removed.  A crash during the overwrite can leave the file mixed, but
      then always with the whole original beside it in the backup; a later
      run finds the backup and refuses the file, naming it, until a human has
      restored or removed it.  An error during the overwrite (a full disk)
      writes EXPECTED back at once.

    The comparison just before the replacement narrows, but cannot close, the
    window in which another program saving the same file is lost: editors
    take no lock guixml could share.
    """
    path = os.fspath(path)
    try:
        return _rewrite(path, expected, data)
    except OSError as error:
        raise NotWritten(_reason(error)) from None


def _reason(error: OSError) -> str:
    text = error.strerror or str(error)
    if error.errno == errno.EPERM:
        text += " (an immutable or append-only file?)"
    return text


def _rewrite(path: str, expected: bytes, data: bytes) -> str:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise NotWritten("a symbolic link; not followed")
    if not stat.S_ISREG(info.st_mode):
        raise NotWritten("not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222:
        raise NotWritten(f"read-only (mode {mode:04o}); guixml does not make it writable")
    if os.geteuid() != 0 and not os.access(path, os.W_OK):
        raise NotWritten("not writable by this user")
    backup = _backup_name(path)
    if os.path.lexists(backup):
        raise NotWritten(f"an interrupted write left the original in {backup}; "
                         "compare, restore or remove it first")
    if _contents(path) != expected:
        raise NotWritten("changed since guixml read it; not written")
    if info.st_nlink == 1:
        temporary = _prepared_copy(path, info, data)
        if temporary is not None:
            try:
                now = os.lstat(path)
                if (_identity(now) != _identity(info)) or _contents(path) != expected:
                    raise NotWritten("changed since guixml read it; not written")
                os.replace(temporary, path)
            except BaseException:
                _remove(temporary)
                raise
            _fsync_directory(os.path.dirname(os.path.abspath(path)))
            return "renamed"
    _rewrite_in_place(path, info, expected, data, backup)
    return "in place"


def _backup_name(path: str) -> str:
    return path + BACKUP_SUFFIX


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _contents(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _xattrs(target: "str | int") -> dict[str, bytes]:
    try:
        names = os.listxattr(target)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return {}
        raise
    return {name: os.getxattr(target, name) for name in names}


def _prepared_copy(path: str, info: os.stat_result, data: bytes) -> str | None:
    """A durable temporary copy holding DATA with PATH's owner, group, mode and
    xattrs, or None when one of them cannot be given to a new file."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            fd = stream.fileno()
            try:
                _copy_metadata(fd, path, info)
            except (_CannotKeep, PermissionError):
                _remove(temporary)
                return None
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _copy_metadata(fd: int, path: str, info: os.stat_result) -> None:
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (info.st_uid, info.st_gid):
        os.fchown(fd, info.st_uid, info.st_gid)
    wanted = _xattrs(path)
    try:
        present = _xattrs(fd)
        for name in present.keys() - wanted.keys():
            os.removexattr(fd, name)
        for name, value in wanted.items():
            if present.get(name) != value:
                os.setxattr(fd, name, value)
    except OSError as error:
        raise _CannotKeep(str(error)) from None
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    now = os.fstat(fd)
    if ((now.st_uid, now.st_gid, stat.S_IMODE(now.st_mode))
            != (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
            or _xattrs(fd) != wanted):
        raise _CannotKeep("metadata differ after copying")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        offset += os.pwrite(fd, view[offset:], offset)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _rewrite_in_place(path: str, info: os.stat_result, expected: bytes, data: bytes,
                      backup: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        try:
            _write_all(descriptor, expected)
        finally:
            os.close(descriptor)
        os.link(temporary, backup)  # fails, rather than replaces, if one appeared
    finally:
        _remove(temporary)
    _fsync_directory(directory)
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except BaseException:
        _remove(backup)
        raise
    try:
        current = os.fstat(fd)
        if (_identity(current) != _identity(info)
                or os.pread(fd, len(expected) + 1, 0) != expected):
            _remove(backup)
            raise NotWritten("changed since guixml read it; not written")
        try:
            _write_all(fd, data)
        except OSError:
            try:
                _write_all(fd, expected)
            except OSError:
                raise NotWritten(f"could not write it nor put it back; the original is "
                                 f"in {backup}") from None
            _remove(backup)
            raise
    finally:
        os.close(fd)
    _remove(backup)
    _fsync_directory(directory)
