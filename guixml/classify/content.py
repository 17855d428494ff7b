"""Inspect a located source's content, streamed: weights, run-time downloads, pickles.

Takes a path the sources stage located (a file, a directory, a git checkout, a
tar in any compression Guix uses, a zip) and walks its members one at a time
with bounded memory: each member is read once, forward; the weight detectors of
:mod:`guixml.classify.inspect` see its first bytes (nested archives are opened
to the depth of ``weight-formats.toml``), a weight file is hashed (sha256) as
it streams by, text files of code are scanned (a bounded prefix) for the calls
of ``data/model-downloads.toml`` that download a model at run time, and a
weight file in a pickle-based format (PyTorch zip and legacy files, ``.pkl``,
joblib, ``.npy`` object arrays) has the callables it would import read from
its opcodes (:func:`pickle_imports`, ``pickletools.genops``; never unpickled).

Nothing here writes but into SCRATCH (a temporary file for a compressed tar
read by an external program is never needed: tar streams are read in place)
and the JSON cache of results keyed by the source's content hash
(:class:`ContentCache`).  A member named outside the tree (``../x``, ``/x``)
is skipped with a warning; symlinks are never followed; a corrupt archive is
a warning naming it.

Public API::

    inspect_source(path, limits=ContentLimits()) -> SourceContent
    pickle_imports(stream, max_ops=…) -> (imports, note)
    ContentCache(path).get(key) / .put(key, content) / .save()
    ContentFinding, SourceContent, ContentLimits
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickletools
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import tomllib
import zipfile
import zlib
import lzma
from functools import lru_cache
from importlib import resources
from typing import Any, BinaryIO, Iterator

import attrs
from attrs import frozen

from guixml.index import decode_verified, seal, unseal
from guixml.classify.inspect import Finding, _Collector, _Entry, _examine, _read_up_to, \
    weight_formats

__all__ = ["ContentFinding", "SourceContent", "ContentLimits", "ContentCache",
           "inspect_source", "pickle_imports", "download_calls", "CONTENT_VERSION",
           "weight_settings", "is_fixture"]

#: Bumped when what inspection finds changes: cached results of older versions are misses.
CONTENT_VERSION = 2
_ENTRY_NAME = "content.json"

#: Weight formats that are pickles (or hold one) and so run code when loaded.
PICKLE_FORMATS = ("pytorch-zip", "pytorch-legacy", "sklearn-pickle", "npy-object")

_CHUNK = 1 << 20


@frozen
class ContentLimits:
    """Bounds on one source: bytes read, members, pickle opcodes, spooled zip size."""

    max_bytes: int = 16 << 30
    max_members: int = 1_000_000
    max_pickle_ops: int = 200_000
    max_pickle_read: int = 16 << 20
    max_spool: int = 2 << 30


@frozen
class ContentFinding:
    """One thing seen inside a source.

    ``kind`` is ``weights`` (a weight file by its content), ``external`` (code
    that downloads a model at run time; ``model`` names it when written at the
    call, ``line`` is where) or ``removed`` (weights the snippet or the build
    deletes) or ``fixture`` (a test or toy model): these two are set by
    :mod:`guixml.classify.deep` when folding, never here.  ``imports`` are the
    callables a pickle-based weight file would import when loaded.
    """

    kind: str
    path: str
    format: str
    size: int = 0
    evidence: str = ""
    sha256: str | None = None
    tensors: int | None = None
    parameters: int | None = None
    imports: tuple[str, ...] = ()
    model: str | None = None
    line: int | None = None
    unsafe: bool = False

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["imports"] = list(self.imports)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ContentFinding":
        fields = {a.name for a in attrs.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["imports"] = tuple(values.get("imports") or ())
        return cls(**values)


@frozen
class SourceContent:
    """What inspecting one source found, and what could not be read."""

    findings: tuple[ContentFinding, ...] = ()
    files: int = 0
    bytes: int = 0
    warnings: tuple[str, ...] = ()
    top: str | None = None  # the single top directory of an archive, if any

    def to_json(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings], "files": self.files,
                "bytes": self.bytes, "warnings": list(self.warnings), "top": self.top}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SourceContent":
        return cls(tuple(ContentFinding.from_json(f) for f in data["findings"]),
                   int(data["files"]), int(data["bytes"]), tuple(data["warnings"]),
                   data.get("top"))


# --- the download calls --------------------------------------------------------

@frozen
class _Call:
    id: str
    name: str
    literals: tuple[bytes, ...]
    pattern: re.Pattern[str]
    named_only: bool
    cite: str


@lru_cache(maxsize=1)
def _downloads() -> tuple[dict[str, Any], tuple[_Call, ...]]:
    text = resources.files("guixml").joinpath("data/model-downloads.toml").read_text("utf-8")
    data = tomllib.loads(text)
    calls = tuple(_Call(c["id"], c["name"], tuple(s.encode() for s in c["literals"]),
                        re.compile(c["pattern"]), bool(c.get("named_only", True)), c["cite"])
                  for c in data["call"])
    return data["limits"], calls


@lru_cache(maxsize=1)
def _source_content() -> dict[str, Any]:
    text = resources.files("guixml").joinpath("data/source-content.toml").read_text("utf-8")
    return tomllib.loads(text)


def weight_settings() -> dict[str, Any]:
    """The ``[weights]`` table of ``source-content.toml``: what counts for the role."""
    return _source_content()["weights"]


@lru_cache(maxsize=1)
def _text_models() -> tuple[tuple[str, str, re.Pattern[bytes]], ...]:
    return tuple((m["id"], m["name"], re.compile(m["head"].encode()))
                 for m in _source_content()["text_model"])


def text_model(head: bytes) -> tuple[str, str] | None:
    """(id, name) of the text model format HEAD starts, or None."""
    for ident, name, pattern in _text_models():
        if pattern.match(head):
            return ident, name
    return None


def is_fixture(finding: "ContentFinding", settings: dict[str, Any]) -> bool:
    """Whether FINDING is a toy or test model: small, or under a fixture directory."""
    if finding.size < int(settings["min_bytes"]):
        return True
    parts = finding.path.split("!/", 1)[0].split("/")[:-1]
    return any(part.lower() in settings["fixture_directories"] for part in parts)


def download_calls(path: str, data: bytes) -> list[ContentFinding]:
    """The run-time model downloads written in DATA (the text of file PATH)."""
    found: list[ContentFinding] = []
    calls = [call for call in _downloads()[1] if any(lit in data for lit in call.literals)]
    if not calls:
        return found
    text = data.decode("utf-8", "replace")
    seen: set[tuple[str, str | None]] = set()
    for call in calls:
        for match in call.pattern.finditer(text):
            model = match.groupdict().get("model")
            if model is None and call.named_only:
                continue
            if (call.id, model) in seen:
                continue
            seen.add((call.id, model))
            line = text.count("\n", 0, match.start()) + 1
            found.append(ContentFinding("external", path, call.id, len(data),
                                        f"{call.name} at line {line}"
                                        + (f" names {model}" if model else ""),
                                        model=model, line=line))
            if len(seen) > 50:
                return found
    return found


# --- pickles, by their opcodes -------------------------------------------------

class _Bounded(io.RawIOBase):
    """A stream that refuses one read over MAX and more than TOTAL in all."""

    def __init__(self, stream: BinaryIO, most: int) -> None:
        self._stream = stream
        self._left = most
        self._read = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._read

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if size is None or size < 0 or size > self._left:
            raise EOFError("pickle reads past the bound")
        data = _read_up_to(self._stream, size)
        self._left -= len(data)
        self._read += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:  # type: ignore[override]
        out = bytearray()
        while len(out) < 4096:
            byte = self.read(1)
            if not byte:
                break
            out += byte
            if byte == b"\n":
                break
        return bytes(out)


_STRINGS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING",
            "BINSTRING", "STRING"}


def pickle_imports(stream: BinaryIO, *, max_ops: int = 200_000,
                   max_read: int = 16 << 20) -> tuple[tuple[str, ...], str]:
    """The callables a pickle on STREAM would import (``module.name``), read from
    its GLOBAL and STACK_GLOBAL opcodes, and a note when the walk stopped early."""
    imports: list[str] = []
    strings: list[str | None] = []
    memo: dict[int, str | None] = {}
    note = ""
    ops = 0
    try:
        for opcode, arg, _ in pickletools.genops(_Bounded(stream, max_read)):  # type: ignore[arg-type]
            ops += 1
            if ops > max_ops:
                note = f"stopped after {max_ops} opcodes"
                break
            name = opcode.name
            if name in _STRINGS:
                strings.append(arg if isinstance(arg, str) else
                               arg.decode("latin-1") if isinstance(arg, bytes) else None)
            elif name == "GLOBAL" or name == "INST":
                module, _, attr = str(arg).partition(" ")
                imports.append(f"{module}.{attr}")
            elif name == "STACK_GLOBAL":
                if len(strings) >= 2 and strings[-2] and strings[-1]:
                    imports.append(f"{strings[-2]}.{strings[-1]}")
                else:
                    imports.append("?(not statically known)")
            elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[int(arg)] = strings[-1] if strings else None
            elif name == "MEMOIZE":
                memo[len(memo)] = strings[-1] if strings else None
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                strings.append(memo.get(int(arg)))
            else:
                if name not in ("MEMOIZE", "FRAME"):
                    strings.append(None)
            if len(strings) > 64:
                del strings[:-8]
            if name == "STOP":
                break
    except (ValueError, EOFError, OverflowError, UnicodeDecodeError, KeyError,
            zlib.error, OSError, zipfile.BadZipFile) as error:
        note = f"pickle read stopped: {error}"
    unique = tuple(dict.fromkeys(imports))
    return unique[:200], note


def _npy_object(head: bytes) -> int | None:
    """The offset of the pickle in an ``.npy`` file of Python objects, else None."""
    if not head.startswith(b"\x93NUMPY") or len(head) < 10:
        return None
    major = head[6]
    if major == 1:
        length, start = int.from_bytes(head[8:10], "little"), 10
    else:
        length, start = int.from_bytes(head[8:12], "little"), 12
    header = head[start:start + length]
    if re.search(rb"'descr':\s*'\|O'", header):
        return start + length
    return None


# --- reading members ---------------------------------------------------------

class _Hashing(io.RawIOBase):
    """A forward stream that hashes what is read through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        self.count += n
        return n

    def drain(self) -> str:
        while True:
            data = self._stream.read(_CHUNK)
            if not data:
                break
            self.digest.update(data)
            self.count += len(data)
        return self.digest.hexdigest()


#: Members up to this size are read whole, and hashed only when reported.
_WHOLE = 1 << 20


class _Whole:
    """A member read whole: its sha256 taken only when asked (for a finding)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def drain(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _safe(name: str) -> str | None:
    """NAME as a relative member path, or None when it points outside the tree."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if name.startswith("/") or ".." in parts or not parts:
        return None
    return "/".join(parts)


_TORCH_EXT = [".pt", ".pth", ".ckpt", ".bin", ".pkl", ".tar", ".model"]
_NUMBER = re.compile(r"(\d+) (tensors|parameters)")


class _Walk:
    def __init__(self, limits: ContentLimits, scratch: str | None) -> None:
        self.limits = limits
        self.scratch = scratch
        self.findings: list[ContentFinding] = []
        self.warnings: list[str] = []
        self.files = 0
        self.bytes = 0
        self.head_bytes = weight_formats()["limits"]["head_bytes"]
        dl_limits = _downloads()[0]
        self.text_max = int(dl_limits["text_bytes_max"])
        self.text_ext = tuple(dl_limits["extensions"])
        self.text_skip = frozenset(dl_limits["skip_directories"])

    def mark(self) -> tuple[int, int, int, int]:
        return len(self.findings), len(self.warnings), self.files, self.bytes

    def reset(self, mark: tuple[int, int, int, int]) -> None:
        del self.findings[mark[0]:]
        del self.warnings[mark[1]:]
        self.files, self.bytes = mark[2], mark[3]

    def member(self, path: str, size: int, stream: BinaryIO) -> None:
        self.files += 1
        self.bytes += size
        if self.files > self.limits.max_members or self.bytes > self.limits.max_bytes:
            raise _Stop(f"over the bounds ({self.limits.max_members} members, "
                        f"{self.limits.max_bytes} bytes): the rest not inspected")
        hashing: _Hashing | _Whole
        if size <= _WHOLE:
            data = _read_up_to(stream, size)
            hashing = _Whole(data)
            entry = _Entry(path, size, io.BytesIO(data), self.head_bytes)
        else:
            hashing = _Hashing(stream)
            entry = _Entry(path, size, hashing, self.head_bytes)  # type: ignore[arg-type]
        spool = None
        if entry.head.startswith(b"PK\x03\x04") and entry.has_extension(_TORCH_EXT) \
                and size <= self.limits.max_spool:
            # A PyTorch zip: kept aside so its pickle can be read after detection.
            spool = tempfile.TemporaryFile(dir=self.scratch)
            shutil.copyfileobj(entry.rest(), spool, _CHUNK)
            spool.seek(0)
            entry = _Entry(path, size, spool, self.head_bytes)  # type: ignore[arg-type]
        try:
            self._examine(path, size, entry, hashing, spool)
        finally:
            if spool is not None:
                spool.close()

    def _examine(self, path: str, size: int, entry: _Entry, hashing: "_Hashing | _Whole",
                 spool: Any) -> None:
        out = _Collector({})
        _examine(entry, 0, out)
        self.warnings.extend(out.errors)
        offset = _npy_object(entry.head)
        if offset is not None:
            # An array of Python objects is a pickle after its header, whether or
            # not the ``numpy`` detector named it: its imports are read below.
            evidence = next((f.evidence for f in out.findings
                             if f.path == path and f.format == "numpy"),
                            "NumPy array of Python objects (a pickle follows)")
            out.findings[:] = [f for f in out.findings if f.path != path or f.format != "numpy"]
            out.findings.append(Finding(path, "npy-object", size, evidence))
        elif not out.findings:
            found = text_model(entry.head[:4096])
            if found is not None:
                out.findings.append(Finding(path, found[0], size, f"starts as a {found[1]}"))
        if not out.findings:
            if not entry.consumed and self._is_text(path):
                data = _read_up_to(entry.rest(), self.text_max)
                self.findings.extend(download_calls(path, data))
            return
        for finding in out.findings:
            imports: tuple[str, ...] = ()
            note = ""
            own = finding.path == path
            if own and finding.format == "pytorch-zip" and spool is not None:
                spool.seek(0)
                imports, note = self._zip_pickle(spool)
            elif own and finding.format in PICKLE_FORMATS and not entry.consumed:
                stream = entry.rest()
                if offset:
                    _read_up_to(stream, offset)
                imports, note = pickle_imports(stream, max_ops=self.limits.max_pickle_ops,
                                               max_read=self.limits.max_pickle_read)
            digest = hashing.drain() if own else (out.digests or {}).get(finding.path)
            numbers = {kind: int(n) for n, kind in _NUMBER.findall(finding.evidence)}
            self.findings.append(ContentFinding(
                "weights", finding.path, finding.format, finding.size,
                finding.evidence + (f"; {note}" if note else ""),
                sha256=digest, tensors=numbers.get("tensors"),
                parameters=numbers.get("parameters"), imports=imports,
                unsafe=finding.format in PICKLE_FORMATS))

    def _is_text(self, path: str) -> bool:
        if not path.endswith(self.text_ext):
            return False
        return not any(part in self.text_skip for part in path.split("/")[:-1])

    def _zip_pickle(self, spool: BinaryIO) -> tuple[tuple[str, ...], str]:
        try:
            with zipfile.ZipFile(spool) as archive:
                names = [n for n in archive.namelist() if n.endswith("data.pkl")
                         or n.endswith("constants.pkl")]
                imports: list[str] = []
                notes = []
                for name in names[:4]:
                    with archive.open(name) as member:
                        found, note = pickle_imports(
                            member, max_ops=self.limits.max_pickle_ops,  # type: ignore[arg-type]
                            max_read=self.limits.max_pickle_read)
                        imports.extend(found)
                        if note:
                            notes.append(note)
                return tuple(dict.fromkeys(imports)), "; ".join(notes)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
                NotImplementedError) as error:
            return (), f"zip unreadable ({error})"


class _Stop(Exception):
    pass


def _walk_directory(root: str, walk: _Walk) -> None:
    skip = set(weight_formats()["limits"]["skip_directories"])
    for directory, subdirs, files in os.walk(root, onerror=lambda e: walk.warnings.append(
            f"{e.filename}: {e.strerror}")):
        subdirs[:] = sorted(d for d in subdirs if d not in skip)
        for name in sorted(files):
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            try:
                info = os.lstat(full)
                if not stat.S_ISREG(info.st_mode):
                    continue
                with open(full, "rb") as stream:
                    walk.member(relative, info.st_size, stream)  # type: ignore[arg-type]
            except OSError as error:
                walk.warnings.append(f"{relative}: {error.strerror or error}")


#: The programs that decompress each kind, as tar itself runs them.
_PROGRAMS = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "lzma": "xz", "zstd": "zstd",
             "lzip": "lzip"}


def _tar_stream(path: str, kind: str) -> tuple[BinaryIO, subprocess.Popen[bytes] | None, str]:
    """A stream of PATH's tar and the process decompressing it (as tar does: in a
    process of its own, beside this one), and the tarfile mode to read it with."""
    program = shutil.which(_PROGRAMS[kind]) if kind in _PROGRAMS else None
    if program is not None:
        process = subprocess.Popen([program, "-dc", "--", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                   bufsize=_CHUNK)
        assert process.stdout is not None
        return process.stdout, process, "r|"  # type: ignore[return-value]
    if kind in ("zstd", "lzip"):
        raise OSError(f"{kind}-compressed, and no {kind} program to read it")
    return open(path, "rb"), None, "r|" if kind == "tar" else "r|*"


# --- tar, read directly ---------------------------------------------------------
#
# tarfile's stream mode costs more CPU per member than decompressing it does
# (its headers parsed field by field, its data copied through three buffers).
# The common subset of the format is read here, block by block from one large
# buffered stream: ustar, GNU and v7 headers, GNU long names, pax headers with
# the keys that name or size a member.  Whatever is outside that subset (sparse
# files, base-256 numbers, a bad checksum, truncated data, a pax header that
# renames or resizes every member, text that is not UTF-8 in a pax header)
# raises _NotPlain and the archive is read again with tarfile from the start,
# so every archive is read as tarfile reads it.  tests/classify/test_content.py
# checks the members against tarfile's on archives of every format.

class _NotPlain(Exception):
    """An archive outside the subset _plain_tar reads: read it with tarfile."""


_REGULAR = frozenset(b"07\x00S")  # tarfile.REGULAR_TYPES (S sparse: refused below)
_SUPPORTED = frozenset(b"0123456\x007LKS")  # tarfile.SUPPORTED_TYPES
_PAX_IGNORED = frozenset(("mtime", "atime", "ctime", "uid", "gid", "uname", "gname",
                          "comment", "linkpath"))
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")


def _octal(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):
        raise _NotPlain("base-256 number")
    text = field.split(b"\x00", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise _NotPlain("not an octal number") from None


def _name(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        match = _PAX_RECORD.match(data, position)
        if match is None:
            if data[position:].strip(b"\x00"):
                raise _NotPlain("malformed pax header")
            break
        length = int(match.group(1))
        end = position + length
        if length < 5 or end > len(data) or data[end - 1:end] != b"\n":
            raise _NotPlain("malformed pax record")
        try:
            key = match.group(2).decode("utf-8")
            value = data[match.end():end - 1].decode("utf-8")
        except UnicodeDecodeError:
            raise _NotPlain("pax header not in UTF-8") from None
        records[key] = value
        position = end
    return records


def _plain_tar(stream: BinaryIO) -> Iterator[tuple[str, int, bool, "_Member"]]:
    """The members of the tar on STREAM as tarfile names them: (name, size,
    regular, data), data readable until the next member is asked for."""
    offset = 0
    long_name: str | None = None
    pax: dict[str, str] | None = None
    while True:
        block = _read_up_to(stream, 512)
        if len(block) < 512:
            if offset == 0 or block or long_name is not None or pax is not None:
                raise _NotPlain("empty or truncated header")
            return
        if block.count(0) == 512:
            if long_name is not None or pax is not None:
                raise _NotPlain("end of archive after a long name or pax header")
            return
        checksum = _octal(block[148:156])
        if checksum != 256 + sum(block[:148]) + sum(block[156:]):
            raise _NotPlain("bad checksum (or signed)")
        kind = block[156]
        size = _octal(block[124:136])
        data_size = size if kind in _REGULAR or kind not in _SUPPORTED else 0
        if kind in b"LKxgX" or kind == ord("S"):
            if kind == ord("S"):
                raise _NotPlain("sparse member")
            padded = (size + 511) & ~511
            data = _read_up_to(stream, padded)
            if len(data) < padded:
                raise _NotPlain("truncated extended header")
            offset += 512 + padded
            if kind == ord("L"):
                if long_name is not None:
                    raise _NotPlain("chained long names")
                long_name = _name(data[:size])
            elif kind == ord("K"):
                pass  # a long link target: no name or size of ours
            elif kind == ord("g"):
                if set(_pax(data[:size])) - _PAX_IGNORED:
                    raise _NotPlain("global pax header that names or sizes members")
            else:
                if pax is not None:
                    raise _NotPlain("chained pax headers")
                pax = _pax(data[:size])
                if set(pax) - _PAX_IGNORED - {"path", "size"}:
                    raise _NotPlain("pax header with other keys")
            continue
        # As tarfile: frombuf and _proc_builtin, then a long name, then pax.
        name = _name(block[0:100])
        prefix = _name(block[345:500])
        if kind == 0 and name.endswith("/"):
            kind = ord("5")
        directory = kind == ord("5")
        if directory:
            name = name.rstrip("/")
        if prefix:
            name = prefix + "/" + name
        if long_name is not None:
            if pax is not None:
                raise _NotPlain("a long name and a pax header")
            name = long_name.removesuffix("/") if directory else long_name
        if pax is not None:
            if "path" in pax:
                name = pax["path"].rstrip("/")
            if "size" in pax:
                try:
                    size = int(pax["size"])
                except ValueError:
                    raise _NotPlain("pax size not a number") from None
                data_size = size if kind in _REGULAR or kind not in _SUPPORTED else 0
        long_name = pax = None
        member = _Member(stream, data_size)
        yield name, size, kind in _REGULAR, member
        member.finish()
        offset += 512 + ((data_size + 511) & ~511)


class _Member(io.RawIOBase):
    """SIZE bytes of STREAM, then the padding to the next 512-byte block."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._left = size
        self._padding = -size % 512

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._stream.read(size) if size else b""
        if len(data) < size:
            raise _NotPlain("truncated member")
        self._left -= size
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def finish(self) -> None:
        left = self._left + self._padding
        while left > 0:
            chunk = self._stream.read(min(left, _CHUNK))
            if not chunk:
                if left > self._padding or self._left:
                    raise _NotPlain("truncated member")
                break
            left -= len(chunk)
        self._left = self._padding = 0


#: Bytes read after a compressed tar's end-of-archive blocks, at most, for its
#: decompressor to verify the checksum at its end; beyond that it is stopped.
_DRAIN_AFTER_END = 16 << 20


def _walk_tar(path: str, kind: str, walk: _Walk) -> str | None:
    saved = walk.mark()
    try:
        return _walk_tar_with(path, kind, walk, plain=True)
    except _NotPlain:
        walk.reset(saved)
        return _walk_tar_with(path, kind, walk, plain=False)


def _walk_tar_with(path: str, kind: str, walk: _Walk, *, plain: bool) -> str | None:
    stream, process, mode = _tar_stream(path, kind)
    finished = False
    tops: set[str] = set()
    members: Iterator[tuple[str, int, bool, Any]]
    try:
        with stream:
            if plain and mode == "r|":
                members = _plain_tar(stream)
                archive = None
            elif plain:
                raise _NotPlain("compressed in this process")
            else:
                archive = tarfile.open(fileobj=stream, mode=mode, bufsize=_CHUNK)
                members = _tarfile_members(archive)
            for raw_name, size, regular, handle in members:
                name = _safe(raw_name)
                if name is None:
                    walk.warnings.append(f"{path}!/{raw_name}: names a path outside "
                                         "the tree: skipped")
                    continue
                tops.add(name.split("/", 1)[0])
                if not regular or handle is None:
                    continue
                walk.member(name, size, handle)  # type: ignore[arg-type]
            if archive is not None:
                archive.close()
            if process is not None:
                # Read what follows the archive's end (padding) so that the
                # decompressor reaches its own end and checks its checksum.
                left = _DRAIN_AFTER_END
                while left > 0:
                    chunk = stream.read(min(left, _CHUNK))
                    if not chunk:
                        break
                    left -= len(chunk)
                finished = left > 0
    finally:
        if process is not None:
            if not finished:
                process.kill()
            code = process.wait()
    if process is not None and code not in (0, -9):
        walk.warnings.append(f"{path}: corrupt or truncated {kind} data "
                             f"({_PROGRAMS[kind]} exit {code}); inspected up to there")
    return tops.pop() if len(tops) == 1 else None


def _tarfile_members(archive: tarfile.TarFile) -> Iterator[tuple[str, int, bool, Any]]:
    for member in archive:
        yield member.name, member.size, member.isreg(), \
            archive.extractfile(member) if member.isreg() else None
        archive.members.clear()


def _walk_zip(path: str, walk: _Walk) -> str | None:
    tops: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > walk.limits.max_bytes:
            raise _Stop(f"members add up to more than {walk.limits.max_bytes} bytes "
                        "(a zip bomb?): not inspected")
        for info in infos:
            name = _safe(info.filename)
            if name is None:
                walk.warnings.append(f"{path}!/{info.filename}: names a path outside the "
                                     "tree: skipped")
                continue
            tops.add(name.split("/", 1)[0])
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            # Permission bits alone (as Python's zipfile writes) are a regular file.
            if info.is_dir() or (stat.S_IFMT(mode) and not stat.S_ISREG(mode)):
                continue
            try:
                with archive.open(info) as member:
                    walk.member(name, info.file_size, member)  # type: ignore[arg-type]
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as error:
                walk.warnings.append(f"{path}!/{info.filename}: unreadable zip member "
                                     f"({error})")
    return tops.pop() if len(tops) == 1 else None


_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
          (b"\x28\xb5\x2f\xfd", "zstd"), (b"LZIP", "lzip"), (b"PK\x03\x04", "zip"),
          (b"PK\x05\x06", "zip"))


def _kind(path: str) -> str | None:
    with open(path, "rb") as stream:
        head = stream.read(512)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[257:262] == b"ustar":
        return "tar"
    if head[:3] == b"\x5d\x00\x00":
        return "lzma"
    return None


def inspect_source(path: str | os.PathLike[str], limits: ContentLimits = ContentLimits(), *,
                   scratch: str | os.PathLike[str] | None = None) -> SourceContent:
    """Inspect the located source at PATH (see the module docstring).  Never raises
    on bad content: what could not be read is in the result's ``warnings``."""
    root = os.fspath(path)
    scratch_dir = os.fspath(scratch) if scratch is not None else None
    if scratch_dir:
        os.makedirs(scratch_dir, exist_ok=True)
    walk = _Walk(limits, scratch_dir)
    top = None
    try:
        info = os.lstat(root)
        if stat.S_ISDIR(info.st_mode):
            _walk_directory(root, walk)
        elif not stat.S_ISREG(info.st_mode):
            walk.warnings.append(f"{root}: not a file or directory: not inspected")
        else:
            kind = _kind(root)
            if kind == "zip":
                top = _walk_zip(root, walk)
            elif kind is not None:
                try:
                    top = _walk_tar(root, kind, walk)
                except tarfile.ReadError:
                    if kind == "tar" or walk.files:
                        raise
                    walk.files = walk.bytes = 0
                    walk.warnings.append(f"{root}: {kind} data that holds no readable tar: "
                                         "inspected as one file")
                    with open(root, "rb") as stream:  # a compressed single file
                        walk.member(os.path.basename(root), info.st_size, stream)  # type: ignore[arg-type]
            else:
                with open(root, "rb") as stream:
                    walk.member(os.path.basename(root), info.st_size, stream)  # type: ignore[arg-type]
    except _Stop as stop:
        walk.warnings.append(f"{root}: {stop}")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError,
            OSError, ValueError, NotImplementedError, RuntimeError) as error:
        walk.warnings.append(f"{root}: corrupt, truncated or unreadable ({error}); "
                             "inspected up to there")
    return SourceContent(tuple(walk.findings), walk.files, walk.bytes,
                         tuple(walk.warnings), top)


# --- the cache ----------------------------------------------------------------

class ContentCache:
    """Inspection results keyed by the source's content hash: one JSON file.

    Sealed as the index's entries are (:func:`guixml.index.seal`): a planted,
    edited or broken file is an empty cache (it could otherwise hide what a
    source holds); entries of another
    :data:`CONTENT_VERSION` are ignored.  Written atomically by rename.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._entries: dict[str, Any] = {}
        self._dirty = False
        try:
            with open(self.path, "rb") as stream:
                payload = unseal("content", _ENTRY_NAME, stream.read())
            data = None if payload is None else decode_verified("json", payload)
            if isinstance(data, dict) and data.get("version") == CONTENT_VERSION and \
                    isinstance(data.get("entries"), dict):
                self._entries = data["entries"]
        except (OSError, ValueError, UnicodeDecodeError):
            pass

    def get(self, key: str) -> SourceContent | None:
        value = self._entries.get(key)
        if not isinstance(value, dict):
            return None
        try:
            return SourceContent.from_json(value)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, content: SourceContent) -> None:
        self._entries[key] = content.to_json()
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        directory = os.path.dirname(self.path) or "."
        try:
            os.makedirs(directory, exist_ok=True)
            sealed = seal("content", _ENTRY_NAME, json.dumps(
                {"version": CONTENT_VERSION, "entries": self._entries}).encode())
            if sealed is None:
                return  # no cache key: no cache
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=".content-")
            with os.fdopen(fd, "wb") as stream:
                stream.write(sealed)
            os.replace(temporary, self.path)
            self._dirty = False
        except OSError:
            pass
