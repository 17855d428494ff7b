"""The NAR hash of an archive's unpacked top directory, without unpacking it.

A Debian orig tarball or a Python sdist unpacked is, for many Guix packages,
the very tree whose NAR hash a ``git-fetch`` origin declares.  This module
computes that hash without creating a single file from the archive: the
members' names, types and modes make a tree in memory (metadata only), and
the NAR of that tree is written in Guix's order, the contents read where they
lie: at their offset in the (decompressed) tar, or from the zip.  So there is
nothing to traverse out of: a member named ``../x`` or ``/etc/x`` is skipped
with a warning, a symlink is only a name and its target (never followed), a
member under a symlink is skipped as GNU tar would refuse it.

Compressed tars (gzip, bzip2, xz, lzma; zstd and lzip through their programs
when installed) are decompressed once, streamed, into one temporary file in
SCRATCH (the caller's cache directory), bounded by :class:`Limits`; the file
is removed afterwards.  Zips are read in place; their declared sizes are
bounded before anything is read, and reading never yields more than declared.

What GNU tar does and the tree follows: a later member replaces an earlier
one of the same name (directories merge); a hard link is a copy of its
target's contents; parents missing from the archive are made; a regular
file is executable when its owner-execute bit is set.  Devices and fifos
have no NAR: such an archive has no hash here (a warning).  The top
directory is the archive's single top-level directory, else its root (a
"tarbomb").

Public API::

    archive_kind(path) -> str | None        # "tar", "gzip", "xz", …, "zip"
    unpacked_nar_hash(path, scratch, limits=Limits()) -> Unpacked | None
    Limits, Unpacked, ArchiveError
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from typing import BinaryIO, Callable, Iterator

from attrs import frozen

from guixml.sources.common import SourcesError, SourceWarning
from guixml.sources.nar import DIRECTORY, EXECUTABLE, REGULAR, SYMLINK, NarError, \
    nar_serialise_tree

__all__ = ["ArchiveError", "Limits", "Unpacked", "archive_kind", "unpacked_nar_hash"]

_CHUNK = 1 << 20


class ArchiveError(SourcesError):
    """An archive that cannot be read (corrupt, truncated, over the limits)."""


@frozen
class Limits:
    """Bounds against archive bombs: decompressed bytes, members, symlink size."""

    max_bytes: int = 8 << 30
    max_entries: int = 1_000_000
    max_link: int = 4096


@frozen
class Unpacked:
    """The NAR sha256 of an archive's top directory (``top`` its name, ``""``
    for the root) and what was skipped on the way."""

    digest: bytes
    top: str
    warnings: tuple[SourceWarning, ...] = ()


_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x1f\x8b", 0, "gzip"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd"),
    (b"LZIP", 0, "lzip"),
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),
    (b"ustar", 257, "tar"),
)


def _sniff(head: bytes) -> str | None:
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:3] == b"\x5d\x00\x00":
        return "lzma"
    return None


def archive_kind(path: str | os.PathLike[str]) -> str | None:
    """The container or compression of the file at PATH by its first bytes."""
    try:
        with open(path, "rb") as stream:
            return _sniff(stream.read(512))
    except OSError:
        return None


# --- the tree of members --------------------------------------------------------

class _Node:
    __slots__ = ("kind", "size", "offset", "target", "children", "info")

    def __init__(self, kind: str, size: int = 0, offset: int = 0, target: bytes = b"",
                 info: zipfile.ZipInfo | None = None) -> None:
        self.kind = kind
        self.size = size
        self.offset = offset
        self.target = target
        self.children: dict[bytes, _Node] | None = {} if kind == DIRECTORY else None
        self.info = info


class _Tree:
    """Members placed by name, as GNU tar would extract them."""

    def __init__(self, where: str) -> None:
        self.root = _Node(DIRECTORY)
        self.where = where
        self.warnings: list[SourceWarning] = []

    def _warn(self, member: str, message: str) -> None:
        self.warnings.append(SourceWarning(f"{self.where}!/{member}", message))

    def _parts(self, name: str) -> list[bytes] | None:
        raw = os.fsencode(name)
        parts = [part for part in raw.split(b"/") if part not in (b"", b".")]
        if b".." in parts:
            self._warn(name, "member name leads out of the archive (..): skipped")
            return None
        if b"\0" in raw:
            self._warn(name, "member name holds a NUL byte: skipped")
            return None
        return parts

    def _parent(self, name: str, parts: list[bytes]) -> _Node | None:
        node = self.root
        for part in parts[:-1]:
            assert node.children is not None
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node(DIRECTORY)
            elif child.kind == SYMLINK:
                self._warn(name, "member lies under a symbolic link: skipped")
                return None
            elif child.kind != DIRECTORY:
                child = node.children[part] = _Node(DIRECTORY)
            node = child
        return node

    def place(self, name: str, node: _Node) -> None:
        parts = self._parts(name)
        if parts is None:
            return
        if not parts:
            if node.kind != DIRECTORY:
                self._warn(name, "a non-directory member names the archive's root: skipped")
            return
        parent = self._parent(name, parts)
        if parent is None:
            return
        assert parent.children is not None
        existing = parent.children.get(parts[-1])
        if node.kind == DIRECTORY and existing is not None and existing.kind == DIRECTORY:
            return  # directories merge
        parent.children[parts[-1]] = node

    def lookup(self, name: str) -> _Node | None:
        parts = [part for part in os.fsencode(name).split(b"/") if part not in (b"", b".")]
        node: _Node | None = self.root
        for part in parts:
            if node is None or node.children is None:
                return None
            node = node.children.get(part)
        return node

    def top(self) -> tuple[_Node, str]:
        assert self.root.children is not None
        if len(self.root.children) == 1:
            (name, child), = self.root.children.items()
            if child.kind == DIRECTORY:
                return child, os.fsdecode(name)
        return self.root, ""


class _Slice(io.RawIOBase):
    """SIZE bytes of STREAM from OFFSET (the stream is shared; each read seeks)."""

    def __init__(self, stream: BinaryIO, offset: int, size: int) -> None:
        self.stream = stream
        self.position = offset
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        count = self.left if size < 0 else min(size, self.left)
        self.stream.seek(self.position)
        data = self.stream.read(count)
        self.position += len(data)
        self.left -= len(data)
        return data


class _TreeView:
    def __init__(self, where: str, opener: Callable[[_Node], BinaryIO]) -> None:
        self._where = where
        self._opener = opener

    def kind(self, node: _Node) -> tuple[str, int]:
        return node.kind, node.size

    def open(self, node: _Node) -> BinaryIO:
        return self._opener(node)

    def target(self, node: _Node) -> bytes:
        return node.target

    def entries(self, node: _Node) -> list[tuple[bytes, _Node]]:
        return list((node.children or {}).items())

    def where(self, node: _Node) -> str:
        return self._where


def _digest(tree: _Tree, opener: Callable[[_Node], BinaryIO]) -> Unpacked:
    top, name = tree.top()
    digest = hashlib.sha256()
    nar_serialise_tree(top, _TreeView(tree.where, opener), digest.update)
    return Unpacked(digest.digest(), name, tuple(tree.warnings))


# --- tar ------------------------------------------------------------------------

def _decompressor(kind: str, path: str) -> tuple[BinaryIO, subprocess.Popen[bytes] | None]:
    if kind == "gzip":
        return gzip.open(path, "rb"), None  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.open(path, "rb"), None  # type: ignore[return-value]
    if kind in ("xz", "lzma"):
        return lzma.open(path, "rb"), None  # type: ignore[return-value]
    program = shutil.which(kind)
    if program is None:
        raise ArchiveError(path, f"{kind}-compressed, and no {kind} program to read it")
    process = subprocess.Popen([program, "-dc", "--", path], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    assert process.stdout is not None
    return process.stdout, process  # type: ignore[return-value]


def _decompress(kind: str, path: str, out: BinaryIO, limits: Limits) -> bool:
    """Decompress PATH into OUT within the limits; False when it is no tar."""
    stream, process = _decompressor(kind, path)
    written = 0
    try:
        with stream:
            first = True
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if first:
                    first = False
                    if chunk[257:262] != b"ustar" and not _v7_tar(chunk):
                        return False
                written += len(chunk)
                if written > limits.max_bytes:
                    raise ArchiveError(path, f"decompresses to more than "
                                             f"{limits.max_bytes} bytes: not unpacked")
                out.write(chunk)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as error:
        raise ArchiveError(path, f"corrupt or truncated {kind} data ({error})") from None
    finally:
        if process is not None:
            process.kill()
            code = process.wait()
        else:
            code = 0
    if process is not None and code not in (0, -9):
        raise ArchiveError(path, f"corrupt or truncated {kind} data ({kind} exit {code})")
    return written > 0


def _v7_tar(block: bytes) -> bool:
    """An old tar header (no ustar magic): a NUL-terminated name and a valid checksum."""
    if len(block) < 512 or block[0] == 0:
        return False
    try:
        tarfile.TarInfo.frombuf(block[:512], "utf-8", "surrogateescape")
    except tarfile.TarError:
        return False
    return True


def _tar_members(archive: tarfile.TarFile, path: str, limits: Limits) -> Iterator[tarfile.TarInfo]:
    count = 0
    while True:
        try:
            member = archive.next()
        except tarfile.TarError as error:
            raise ArchiveError(path, f"corrupt or truncated tar ({error})") from None
        if member is None:
            return
        count += 1
        if count > limits.max_entries:
            raise ArchiveError(path, f"more than {limits.max_entries} members: not unpacked")
        archive.members.clear()  # metadata only as long as needed
        yield member


def _tar_tree(stream: BinaryIO, path: str, limits: Limits) -> _Tree:
    tree = _Tree(path)
    try:
        archive = tarfile.open(fileobj=stream, mode="r:")
    except tarfile.TarError as error:
        raise ArchiveError(path, f"corrupt or truncated tar ({error})") from None
    end = os.fstat(stream.fileno()).st_size
    total = 0
    for member in _tar_members(archive, path, limits):
        if member.isreg():
            if member.offset_data + member.size > end:
                raise ArchiveError(path, f"truncated tar: member {member.name} ends past "
                                         "the end of the archive")
            total += member.size
            node = _Node(EXECUTABLE if member.mode & 0o100 else REGULAR, member.size,
                         member.offset_data)
        elif member.isdir():
            node = _Node(DIRECTORY)
        elif member.issym():
            node = _Node(SYMLINK, target=os.fsencode(member.linkname))
        elif member.islnk():
            target = tree.lookup(member.linkname)
            if target is None or target.kind not in (REGULAR, EXECUTABLE):
                tree._warn(member.name, f"hard link to {member.linkname!r}, "
                                        "which is no earlier file: skipped")
                continue
            node = _Node(target.kind, target.size, target.offset)
        else:
            raise ArchiveError(f"{path}!/{member.name}",
                               "device or fifo member: the unpacked tree has no NAR hash")
        if total > limits.max_bytes:
            raise ArchiveError(path, f"members add up to more than {limits.max_bytes} bytes")
        tree.place(member.name, node)
    return tree


def _hash_tar(stream: BinaryIO, path: str, limits: Limits) -> Unpacked:
    tree = _tar_tree(stream, path, limits)
    return _digest(tree, lambda node: _Slice(stream, node.offset, node.size))  # type: ignore[arg-type, return-value]


# --- zip ------------------------------------------------------------------------

def _zip_tree(archive: zipfile.ZipFile, path: str, limits: Limits) -> _Tree:
    tree = _Tree(path)
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ArchiveError(path, f"more than {limits.max_entries} members: not unpacked")
    if sum(info.file_size for info in infos) > limits.max_bytes:
        raise ArchiveError(path, f"members add up to more than {limits.max_bytes} bytes "
                                 "(a zip bomb?): not unpacked")
    for info in infos:
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        if info.is_dir():
            node = _Node(DIRECTORY)
        elif stat.S_ISLNK(mode):
            if info.file_size > limits.max_link:
                tree._warn(info.filename, "symbolic link target too long: skipped")
                continue
            with archive.open(info) as member:
                node = _Node(SYMLINK, target=member.read(limits.max_link))
        elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            # Only a named file type other than regular (permission bits alone,
            # as Python's zipfile writes, are a regular file, as unzip makes it).
            raise ArchiveError(f"{path}!/{info.filename}",
                               "device or fifo member: the unpacked tree has no NAR hash")
        else:
            node = _Node(EXECUTABLE if mode & 0o100 else REGULAR, info.file_size, info=info)
        tree.place(info.filename, node)
    return tree


def _hash_zip(path: str, limits: Limits) -> Unpacked:
    try:
        with zipfile.ZipFile(path) as archive:
            tree = _zip_tree(archive, path, limits)
            return _digest(tree, lambda node: archive.open(node.info))  # type: ignore[arg-type, return-value]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            zlib.error, lzma.LZMAError, OSError, ValueError) as error:
        raise ArchiveError(path, f"corrupt or truncated zip ({error})") from None


# --- entry point ------------------------------------------------------------------

def unpacked_nar_hash(path: str | os.PathLike[str], scratch: str | os.PathLike[str],
                      limits: Limits = Limits()) -> Unpacked | None:
    """The NAR hash of the unpacked top directory of the archive at PATH, or None
    when PATH is no archive (or a compressed file that holds no tar).

    A temporary file, if one is needed, is made in SCRATCH and removed.  Raises
    :class:`ArchiveError` (which names PATH, and the member) for an archive that
    is corrupt, truncated, over LIMITS or holds devices.
    """
    path = os.fspath(path)
    kind = archive_kind(path)
    if kind is None:
        return None
    try:
        if kind == "zip":
            return _hash_zip(path, limits)
        if kind == "tar":
            with open(path, "rb") as stream:
                return _hash_tar(stream, path, limits)  # type: ignore[arg-type]
        os.makedirs(scratch, exist_ok=True)
        with tempfile.TemporaryFile(dir=scratch, prefix="unpack-") as temporary:
            if not _decompress(kind, path, temporary, limits):  # type: ignore[arg-type]
                return None
            temporary.flush()
            temporary.seek(0)
            return _hash_tar(temporary, path, limits)  # type: ignore[arg-type]
    except ArchiveError:
        raise
    except NarError as error:
        raise ArchiveError(error.where, error.message) from None
    except OSError as error:
        raise ArchiveError(path, f"cannot read: {error.strerror or error}") from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, lzma.LZMAError, zlib.error,
            ValueError, UnicodeError) as error:
        raise ArchiveError(path, f"corrupt or truncated archive ({error})") from None
