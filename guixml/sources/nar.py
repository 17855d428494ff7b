"""The NAR serialisation of a file tree and its sha256, as Guix computes them.

Guix's ``write-file`` (``guix/serialization.scm``) writes a tree as a *Nix
archive*: the string ``nix-archive-1``, then for each node ``(`` ``type`` …
``)``: a regular file is ``regular``, ``executable ""`` when its owner may
execute it, ``contents`` and its bytes; a symbolic link is ``symlink``
``target`` and the link's text (never followed); a directory is ``directory``
and, for each entry sorted by name (``string<?``: code points, which for UTF-8
names is their byte order), ``entry ( name NAME node NODE )``.  A string is its
length as a little-endian 64-bit integer, its bytes and zeros up to a multiple
of eight.  Any other file type (device, fifo, socket) is an error, as in Guix.

The sha256 of that byte stream is what Guix declares for a recursive origin
(``git-fetch``, ``hg-fetch``, ``svn-fetch``…) and what ``guix hash -S nar``
prints.  Nothing is held whole in memory: contents are streamed in chunks, the
walk uses an explicit stack (a tree deeper than Python's recursion limit is
fine), and names are bytes as the file system gives them.

Public API::

    nar_hash(path) -> bytes                  # sha256 digest of the NAR of PATH
    nar_serialise(path, write)               # the NAR bytes, in pieces, to WRITE
    nar_serialise_tree(root, view, write)    # the same over any tree (TreeView)
    nar_file_prefix(size, executable) -> bytes   # a lone regular file's NAR head
    nar_file_suffix(size) -> bytes               # … and its tail
    NarError
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from typing import BinaryIO, Callable, Protocol, TypeVar

from guixml.sources.common import SourcesError

__all__ = ["NarError", "TreeView", "DiskView", "nar_hash", "nar_serialise",
           "nar_serialise_tree", "nar_file_prefix", "nar_file_suffix", "nar_string",
           "REGULAR", "EXECUTABLE", "DIRECTORY", "SYMLINK"]

REGULAR = "regular"
EXECUTABLE = "executable"
DIRECTORY = "directory"
SYMLINK = "symlink"

_CHUNK = 1 << 20
_FLUSH = 1 << 16
_ZEROS = bytes(8)

Node = TypeVar("Node")


class NarError(SourcesError):
    """A tree that has no NAR serialisation (a device file…) or changed while read."""


def nar_string(data: bytes) -> bytes:
    """DATA as a NAR string: length (u64 little-endian), bytes, zero padding."""
    return struct.pack("<Q", len(data)) + data + _ZEROS[:(-len(data)) % 8]


_MAGIC = nar_string(b"nix-archive-1")
_OPEN = nar_string(b"(")
_CLOSE = nar_string(b")")
_TYPE = nar_string(b"type")
_REGULAR = _OPEN + _TYPE + nar_string(b"regular")
_EXECUTABLE = nar_string(b"executable") + nar_string(b"")
_CONTENTS = nar_string(b"contents")
_DIRECTORY = _OPEN + _TYPE + nar_string(b"directory")
_SYMLINK = _OPEN + _TYPE + nar_string(b"symlink") + nar_string(b"target")
_ENTRY = nar_string(b"entry") + _OPEN + nar_string(b"name")
_NODE = nar_string(b"node")


def nar_file_prefix(size: int, executable: bool) -> bytes:
    """The NAR of a lone regular file of SIZE bytes, up to its contents."""
    return (_MAGIC + _REGULAR + (_EXECUTABLE if executable else b"") + _CONTENTS
            + struct.pack("<Q", size))


def nar_file_suffix(size: int) -> bytes:
    """What follows the contents of a lone regular file of SIZE bytes."""
    return _ZEROS[:(-size) % 8] + _CLOSE


class TreeView(Protocol[Node]):
    """How to see a tree, as Guix's ``write-file-tree`` takes it: the type and
    size of a node, its contents, its link target and its entries."""

    def kind(self, node: Node) -> tuple[str, int]:
        """(REGULAR | EXECUTABLE | DIRECTORY | SYMLINK, size); NarError otherwise."""

    def open(self, node: Node) -> BinaryIO:
        """The contents of a regular node, as a binary stream."""

    def target(self, node: Node) -> bytes:
        """The text of a symlink node."""

    def entries(self, node: Node) -> list[tuple[bytes, Node]]:
        """The (name, child) pairs of a directory node, in any order."""

    def where(self, node: Node) -> str:
        """The node, in words for a message (a path)."""


def _type_name(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return f"file of mode {mode:o}"


class DiskView:
    """The file system as seen by ``lstat``, ``readlink`` and ``scandir``;
    nodes are paths as bytes."""

    def kind(self, node: bytes) -> tuple[str, int]:
        try:
            info = os.lstat(node)
        except OSError as error:
            raise NarError(self.where(node), f"cannot stat: {error.strerror}") from None
        mode = info.st_mode
        if stat.S_ISREG(mode):
            return (EXECUTABLE if mode & 0o100 else REGULAR), info.st_size
        if stat.S_ISDIR(mode):
            return DIRECTORY, info.st_size
        if stat.S_ISLNK(mode):
            return SYMLINK, info.st_size
        raise NarError(self.where(node), f"unsupported file type ({_type_name(mode)})")

    def open(self, node: bytes) -> BinaryIO:
        try:
            # O_NOFOLLOW: the node was a regular file when stat'ed; never follow
            # a symlink swapped in since.
            descriptor = os.open(node, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise NarError(self.where(node), f"cannot read: {error.strerror}") from None
        return os.fdopen(descriptor, "rb")

    def target(self, node: bytes) -> bytes:
        try:
            return os.readlink(node)
        except OSError as error:
            raise NarError(self.where(node), f"cannot read link: {error.strerror}") from None

    def entries(self, node: bytes) -> list[tuple[bytes, bytes]]:
        try:
            names = os.listdir(node)
        except OSError as error:
            raise NarError(self.where(node), f"cannot list: {error.strerror}") from None
        return [(name, node + b"/" + name) for name in names]

    def where(self, node: bytes) -> str:
        return os.fsdecode(node)


class _Buffered:
    """Small pieces gathered before they reach WRITE (hashing 16-byte strings
    one by one would cost more than the hash)."""

    __slots__ = ("write", "pending")

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self.write = write
        self.pending = bytearray()

    def add(self, data: bytes) -> None:
        self.pending += data
        if len(self.pending) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.write(bytes(self.pending))
            self.pending.clear()


def _copy_contents(view: TreeView[Node], node: Node, size: int, out: _Buffered) -> None:
    out.add(_CONTENTS + struct.pack("<Q", size))
    out.flush()
    left = size
    with view.open(node) as stream:
        while left:
            chunk = stream.read(min(_CHUNK, left))
            if not chunk:
                raise NarError(view.where(node), f"file shrank while read "
                                                 f"({size - left} of {size} bytes)")
            out.write(chunk)
            left -= len(chunk)
        if stream.read(1):
            raise NarError(view.where(node), "file grew while read")
    out.add(_ZEROS[:(-size) % 8])


def nar_serialise_tree(root: Node, view: TreeView[Node],
                       write: Callable[[bytes], object]) -> None:
    """Write the NAR of the tree at ROOT, seen through VIEW, to WRITE in pieces."""
    out = _Buffered(write)
    out.add(_MAGIC)
    # The stack holds either bytes to emit or a node to dump, in reverse order.
    stack: list[tuple[bool, object]] = [(True, root)]
    while stack:
        is_node, item = stack.pop()
        if not is_node:
            out.add(item)  # type: ignore[arg-type]
            continue
        node: Node = item  # type: ignore[assignment]
        kind, size = view.kind(node)
        if kind == REGULAR or kind == EXECUTABLE:
            out.add(_REGULAR + (_EXECUTABLE if kind == EXECUTABLE else b""))
            _copy_contents(view, node, size, out)
            out.add(_CLOSE)
        elif kind == SYMLINK:
            out.add(_SYMLINK + nar_string(view.target(node)) + _CLOSE)
        elif kind == DIRECTORY:
            out.add(_DIRECTORY)
            entries = sorted({name: child for name, child in view.entries(node)
                              if name not in (b".", b"..")}.items(),
                             key=lambda pair: pair[0])
            stack.append((False, _CLOSE))
            for name, child in reversed(entries):
                stack.append((False, _CLOSE))
                stack.append((True, child))
                stack.append((False, _ENTRY + nar_string(name) + _NODE))
        else:
            raise NarError(view.where(node), f"unsupported file type ({kind})")
    out.flush()


def nar_serialise(path: str | os.PathLike[str], write: Callable[[bytes], object]) -> None:
    """Write the NAR of the file or tree at PATH to WRITE, as Guix's ``write-file``."""
    nar_serialise_tree(os.fsencode(path), DiskView(), write)


def nar_hash(path: str | os.PathLike[str]) -> bytes:
    """The sha256 digest of the NAR of PATH (``guix hash -S nar PATH``)."""
    digest = hashlib.sha256()
    nar_serialise(path, digest.update)
    return digest.digest()
