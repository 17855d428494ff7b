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

    def member(self, path: str, size: int, stream: BinaryIO) -> None:
        self.files += 1
        self.bytes += size
        if self.files > self.limits.max_members or self.bytes > self.limits.max_bytes:
            raise _Stop(f"over the bounds ({self.limits.max_members} members, "
                        f"{self.limits.max_bytes} bytes): the rest not inspected")
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

    def _examine(self, path: str, size: int, entry: _Entry, hashing: _Hashing,
                 spool: Any) -> None:
        out = _Collector()
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
            digest = hashing.drain() if own else None
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


def _walk_tar(path: str, kind: str, walk: _Walk) -> str | None:
    stream, process, mode = _tar_stream(path, kind)
    tops: set[str] = set()
    try:
        with stream, tarfile.open(fileobj=stream, mode=mode, bufsize=_CHUNK) as archive:
            for member in archive:
                name = _safe(member.name)
                if name is None:
                    walk.warnings.append(f"{path}!/{member.name}: names a path outside "
                                         "the tree: skipped")
                    continue
                tops.add(name.split("/", 1)[0])
                if not member.isreg():
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                walk.member(name, member.size, handle)  # type: ignore[arg-type]
                archive.members.clear()
    finally:
        if process is not None:
            process.kill()
            code = process.wait()
    if process is not None and code not in (0, -9):
        walk.warnings.append(f"{path}: corrupt or truncated {kind} data "
                             f"({_PROGRAMS[kind]} exit {code}); inspected up to there")
    return tops.pop() if len(tops) == 1 else None


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
            if info.is_dir() or (mode and not stat.S_ISREG(mode)):
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
