"""Find pre-trained weights in a source tree or archive by their content.

What a package definition cannot show — a network committed next to the
code, a model inside a release tarball — shows in the bytes.  This module
walks a directory or streams an archive (tar with any compression, zip, and
archives nested in them) and recognises weight formats by their headers:
GGUF and legacy GGML, safetensors, ONNX, PyTorch zip and legacy pickles,
Keras HDF5 and ``.keras`` archives, TFLite, Stockfish NNUE, Leela Chess Zero
and Leela Zero networks, Tesseract ``traineddata``, Caffe, darknet and
fastText models, and the large numeric array initialisers of generated C/C++
sources (rnnoise's ``rnn_data.c``).

Nothing is loaded or executed: files are read as bytes, only a bounded prefix
(``head_bytes``) for the binary formats, and pickles are recognised by byte
markers without ever being unpickled.  The formats, magic numbers and
thresholds live in ``data/weight-formats.toml``.
"""

from __future__ import annotations

import bz2
import functools
import hashlib
import io
import json
import lzma
import os
import re
import stat
import struct
import tarfile
import tomllib
import zipfile
import zlib
from importlib import resources
from typing import Any, BinaryIO, Callable, Iterator

import attrs

from guixml.errors import GuixmlError

__all__ = ["Finding", "Inspection", "InspectError", "inspect_path", "inspect_bytes",
           "scan_c_source", "counted_c_arrays", "weight_formats"]


class InspectError(GuixmlError):
    """A path that cannot be inspected at all (missing, unreadable, corrupt)."""


@attrs.frozen
class Finding:
    """One weight file (or generated weight array) found by content."""

    path: str  # inside the tree or archive; nested archives joined with "!/"
    format: str  # the id of a [[format]] of weight-formats.toml, or "c-array"
    size: int  # bytes of the file (for c-array: of the source file)
    evidence: str  # what was seen, in words a reviewer can check
    confidence: str = "high"  # "high", or "medium" for extension-assisted guesses

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    def __str__(self) -> str:
        return f"{self.path}: {self.format}, {self.size} bytes: {self.evidence}"


@attrs.frozen
class Inspection:
    """The outcome of inspecting one path."""

    root: str
    findings: tuple[Finding, ...]
    files_scanned: int
    errors: tuple[str, ...] = ()  # members that could not be read; the rest was scanned

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "files_scanned": self.files_scanned,
                "findings": [f.to_json() for f in self.findings],
                "errors": list(self.errors)}


@functools.cache
def weight_formats() -> dict[str, Any]:
    """The parsed ``weight-formats.toml``."""
    with resources.files("guixml.data").joinpath("weight-formats.toml").open("rb") as port:
        return tomllib.load(port)


# ---------------------------------------------------------------------------
# Entries: a file's name, size, first bytes and the rest of its stream


class _Entry:
    """One file to examine; ``rest()`` hands out the stream after ``head`` once."""

    def __init__(self, path: str, size: int, stream: BinaryIO, head_bytes: int) -> None:
        self.path = path
        self.size = size
        self.head = _read_up_to(stream, head_bytes)
        self._stream: BinaryIO | None = stream
        self.name = path.rsplit("/", 1)[-1].lower()
        self.zip_names: list[str] | None = None

    @property
    def consumed(self) -> bool:
        return self._stream is None

    def has_extension(self, extensions: list[str]) -> bool:
        return self.name.endswith(tuple(extensions))

    def rest(self) -> BinaryIO:
        """The whole content as a forward stream (head first), for one consumer."""
        stream, self._stream = self._stream, None
        if stream is None:
            raise RuntimeError("entry stream consumed twice")
        return _Chained(self.head, stream)  # type: ignore[return-value]


def _read_up_to(stream: BinaryIO, count: int) -> bytes:
    chunks, left = [], count
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _Chained(io.RawIOBase):
    """HEAD followed by what is left of STREAM, as one readable stream."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def skip(self, count: int) -> int:
        """Discard COUNT bytes (reading in bounded chunks); the number skipped."""
        skipped = 0
        while skipped < count:
            chunk = self.read(min(1 << 20, count - skipped))
            if not chunk:
                break
            skipped += len(chunk)
        return skipped


# ---------------------------------------------------------------------------
# Small readers shared by the detectors


def _hex(text: str) -> bytes:
    return bytes.fromhex(text)


def _printable(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """Decode a protobuf varint at POS: (value, next position), or None."""
    value = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None


def _protobuf_fields(data: bytes, total_size: int,
                     varint_fields: set[int], bytes_fields: set[int],
                     fixed32_fields: set[int] = frozenset()) -> Iterator[tuple[int, int, int, int]]:
    """Walk top-level protobuf fields in DATA (a prefix of a TOTAL_SIZE message).

    Yields (field, wire type, value or length, offset of the payload) for each
    field whose number and wire type are among the expected ones, and stops at
    the first that is not, or at the first length that runs past the message.
    A bytes field longer than DATA ends the walk after being yielded.
    """
    pos = 0
    while pos < len(data):
        tag = _varint(data, pos)
        if tag is None:
            return
        key, pos = tag
        number, wire = key >> 3, key & 7
        if wire == 0 and number in varint_fields:
            decoded = _varint(data, pos)
            if decoded is None:
                return
            value, pos = decoded
            yield number, wire, value, pos
        elif wire == 2 and number in bytes_fields:
            decoded = _varint(data, pos)
            if decoded is None:
                return
            length, pos = decoded
            if pos + length > total_size:
                return
            yield number, wire, length, pos
            pos += length
        elif wire == 5 and number in fixed32_fields:
            if pos + 4 > len(data):
                return
            yield number, wire, struct.unpack_from("<I", data, pos)[0], pos
            pos += 4
        else:
            return


def _gunzip_prefix(data: bytes, limit: int) -> bytes | None:
    """The first LIMIT bytes that the gzip stream starting DATA expands to."""
    if not data.startswith(b"\x1f\x8b"):
        return None
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit)
    except zlib.error:
        return None


# ---------------------------------------------------------------------------
# Detectors: (entry, format spec) → evidence text, or None.  Each reads only
# entry.head unless it says otherwise.

Detector = Callable[[_Entry, dict[str, Any]], "tuple[str, str] | str | None"]
_DETECTORS: dict[str, Detector] = {}


def _detector(name: str) -> Callable[[Detector], Detector]:
    def register(function: Detector) -> Detector:
        _DETECTORS[name] = function
        return function
    return register


@_detector("gguf")
def _gguf(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 8 or head[:4] != _hex(spec["magic"]):
        return None
    version = struct.unpack_from("<I", head, 4)[0]
    if version not in spec["versions"]:
        return None
    if version >= 2 and len(head) >= 24:
        tensors, metadata = struct.unpack_from("<QQ", head, 8)
        if tensors > 1 << 24 or metadata > 1 << 24:
            return None
        return f"magic GGUF, version {version}, {tensors} tensors, {metadata} metadata keys"
    return f"magic GGUF, version {version}"


@_detector("ggml_legacy")
def _ggml_legacy(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 12:
        return None
    kind = spec["magics"].get(head[:4].hex())
    if kind is None:
        return None
    value = struct.unpack_from("<I", head, 4)[0]
    if kind == "ggml":
        # Unversioned files go straight to the hyper-parameters: a vocabulary size.
        if not 1 <= value <= 10_000_000:
            return None
        return f"magic 'ggml' (unversioned), first hyper-parameter {value}"
    if value not in spec["versions"]:
        return None
    return f"magic '{kind}', version {value}"


@_detector("safetensors")
def _safetensors(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 10:
        return None
    length = struct.unpack_from("<Q", head, 0)[0]
    if not 2 <= length <= entry.size - 8 or head[8:9] != b"{":
        return None
    cap = weight_formats()["limits"]["safetensors_header_max"]
    if length > cap:
        prefix = head[8:]
        if b'"dtype"' in prefix and b'"data_offsets"' in prefix:
            return f"{length}-byte JSON header naming dtype and data_offsets"
        return None
    header_bytes = head[8:8 + length]
    if len(header_bytes) < length:
        header_bytes = _read_up_to(entry.rest(), 8 + length)[8:]
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(header, dict):
        return None
    tensors = [v for k, v in header.items() if k != "__metadata__"]
    if not tensors or not all(isinstance(t, dict) and {"dtype", "shape", "data_offsets"} <= t.keys()
                              for t in tensors):
        return None
    dtypes = sorted({str(t["dtype"]) for t in tensors})
    return f"JSON header of {len(tensors)} tensors ({', '.join(dtypes[:4])})"


@_detector("onnx")
def _onnx(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if not head.startswith(b"\x08"):
        return None
    low, high = spec["ir_versions"]
    seen: dict[int, tuple[int, int]] = {}
    fields = _protobuf_fields(head, entry.size, set(spec["varint_fields"]), set(spec["bytes_fields"]))
    for index, (number, _wire, value, offset) in enumerate(fields):
        if index == 0 and (number != 1 or not low <= value <= high):
            return None
        seen.setdefault(number, (value, offset))
        if number == 7:
            break
    if 1 not in seen or 7 not in seen:
        return None
    producer = ""
    if 2 in seen:
        length, offset = seen[2]
        raw = head[offset:offset + length]
        if not _printable(raw):
            return None
        producer = raw.decode("utf-8")
    elif not entry.has_extension(spec["extensions"]):
        return None  # a bare 0x08 … 0x3a walk is too weak a sign on its own
    graph_size = seen[7][0]
    what = f"ModelProto ir_version {seen[1][0]}, graph of {graph_size} bytes"
    return what + (f", producer {producer!r}" if producer else "")


@_detector("zip_members")
def _zip_members(entry: _Entry, spec: dict[str, Any]) -> str | None:
    if not entry.head.startswith(b"PK\x03\x04"):
        return None
    names = _zip_names(entry)
    if not names:
        return None
    required = set(spec["required_any"])
    supporting = spec["supporting_any"]
    if spec.get("top_level"):
        relative = set(names)
    else:
        tops = {name.split("/", 1)[0] for name in names}
        if len(tops) != 1 or not all("/" in name for name in names):
            return None
        relative = {name.split("/", 1)[1] for name in names}
    found = sorted(required & relative)
    support = sorted(s for s in supporting
                     if (s in relative) or (s.endswith("/") and any(r.startswith(s) for r in relative)))
    if not found or not support:
        return None
    return f"zip members {', '.join(found + support)}"


@_detector("numpy")
def _numpy(entry: _Entry, spec: dict[str, Any]) -> tuple[str, str] | str | None:
    header = numpy_header(entry.head, spec)
    if header is None:
        return None
    descr, shape = header["descr"], header["shape"]
    elements = 1
    for n in shape:
        elements *= n
    text = f"NumPy {descr} array of shape {tuple(shape)}"
    if "O" in descr:
        # Object arrays are stored pickled: loading one (allow_pickle) runs pickle.
        return f"{text}: object dtype, the array is a pickle (runs code when loaded)"
    if elements < spec["elements_min"]:
        return "low", f"{text} ({elements} elements)"
    return f"{text} ({elements} elements)"


def numpy_header(head: bytes, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The header dict of a .npy file's HEAD, or None when it is not one.
    Read as a literal (never evaluated): only str, bool, int and tuples."""
    import ast
    magic = _hex(spec["magic"])
    if len(head) < 10 or not head.startswith(magic) or head[6] not in spec["versions"]:
        return None
    if head[6] == 1:
        (length,), start = struct.unpack_from("<H", head, 8), 10
    elif len(head) >= 12:
        (length,), start = struct.unpack_from("<I", head, 8), 12
    else:
        return None
    if length > spec["header_max"] or start + length > len(head):
        return None
    text = head[start:start + length].decode("latin-1").strip()
    try:
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(header, dict) or not isinstance(header.get("descr"), (str, list)):
        return None
    shape = header.get("shape")
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape):
        return None
    descr = header["descr"] if isinstance(header["descr"], str) else "structured"
    return {"descr": descr, "shape": shape, "fortran_order": header.get("fortran_order")}


@_detector("npz")
def _npz(entry: _Entry, spec: dict[str, Any]) -> str | None:
    if not entry.head.startswith(b"PK\x03\x04"):
        return None
    names = _zip_names(entry)
    if len(names) < spec["members_min"] or not all(n.endswith(".npy") for n in names):
        return None
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return f"zip of {len(names)} NumPy arrays ({shown})"


def _zip_names(entry: _Entry) -> list[str]:
    """Member names of a zip, walking local headers forward (works on a stream).

    The walk consumes the entry's stream, so the names are kept on the entry
    for the other zip-based formats.
    """
    if entry.zip_names is not None:
        return entry.zip_names
    names: list[str] = []
    entry.zip_names = names
    stream = entry.rest()
    limit = weight_formats()["limits"]["zip_entries_max"]
    while len(names) < limit:
        header = _read_up_to(stream, 30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            break
        flags, _method = struct.unpack_from("<HH", header, 6)
        compressed, _size, name_length, extra_length = struct.unpack_from("<IIHH", header, 18)
        name = _read_up_to(stream, name_length).decode("utf-8", "replace")
        extra = _read_up_to(stream, extra_length)
        if compressed == 0xFFFFFFFF:
            compressed = _zip64_size(extra)
        names.append(name)
        if flags & 0x08 and compressed == 0:
            break  # sizes follow the data: cannot skip without decompressing
        if stream.skip(compressed) < compressed:  # type: ignore[attr-defined]
            break
    return names


def _zip64_size(extra: bytes) -> int:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001 and length >= 16:
            return struct.unpack_from("<Q", extra, pos + 12)[0]
        pos += 4 + length
    return 0


@_detector("pickle")
def _pickle(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if "prefix" in spec and head.startswith(_hex(spec["prefix"])):
        return "torch.save legacy magic number after pickle protocol 2"
    if len(head) < 2 or head[0] != 0x80 or head[1] not in spec["protocols"]:
        return None
    markers = [m for m in spec["markers"] if m.encode() in head]
    if not markers:
        return None
    return f"pickle protocol {head[1]} naming {', '.join(repr(m) for m in markers[:3])}"


@_detector("hdf5")
def _hdf5(entry: _Entry, spec: dict[str, Any]) -> str | None:
    signature = _hex(spec["signature"])
    head = entry.head
    if not any(head[offset:offset + 8] == signature for offset in spec["signature_offsets"]):
        return None
    markers = [m for m in spec["markers"] if m.encode() in head]
    if not markers:
        return None
    return f"HDF5 signature with Keras attributes {', '.join(markers[:3])}"


@_detector("tflite")
def _tflite(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 16 or head[4:8] != _hex(spec["identifier"]):
        return None
    root = struct.unpack_from("<I", head, 0)[0]
    if not 8 <= root < entry.size or root % 4:
        return None
    return f"FlatBuffer identifier TFL3, root table at {root}"


@_detector("nnue")
def _nnue(entry: _Entry, spec: dict[str, Any]) -> tuple[str, str] | str | None:
    head = entry.head
    if len(head) < 12:
        return None
    version, hash_value, length = struct.unpack_from("<III", head, 0)
    known = version in spec["versions"]
    if not known and not entry.has_extension(spec["extensions"]):
        return None
    if not 0 < length <= spec["description_max"] or 12 + length > entry.size:
        return None
    description = head[12:12 + length]
    if not _printable(description):
        return None
    text = description.decode("utf-8").strip().replace("\n", " ")[:80]
    evidence = f"NNUE header version {version:#x}, hash {hash_value:#x}, description {text!r}"
    return evidence if known else ("medium", evidence + " (unknown version, named *.nnue)")


@_detector("lc0")
def _lc0(entry: _Entry, spec: dict[str, Any]) -> str | None:
    prefix = _hex(spec["prefix"])
    expanded = _gunzip_prefix(entry.head, 64)
    if expanded is not None and expanded.startswith(prefix):
        return "gzip-compressed pblczero.Net with magic 0x1c0"
    if entry.head.startswith(prefix) and entry.has_extension(spec["extensions"]):
        return "pblczero.Net with magic 0x1c0"
    return None


_FLOAT = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@_detector("leela_zero_text")
def _leela_zero_text(entry: _Entry, spec: dict[str, Any]) -> str | None:
    expanded = _gunzip_prefix(entry.head, 16384)
    if not expanded:
        return None
    lines = expanded.split(b"\n")
    if len(lines) < 3 or lines[0].strip().decode("latin-1") not in spec["versions"]:
        return None
    tokens = lines[1].split()
    if len(tokens) < spec["floats_min"] or not all(_FLOAT.fullmatch(t) for t in tokens):
        return None
    return f"gzip text network, format {lines[0].decode()}, first tensor of {len(tokens)} floats"


@_detector("tessdata")
def _tessdata(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 4:
        return None
    for order in "<>":
        count = struct.unpack_from(order + "i", head, 0)[0]
        if 0 < count <= spec["entries_max"]:
            break
    else:
        return None
    table_end = 4 + 8 * count
    if len(head) < table_end:
        return None
    offsets = struct.unpack_from(f"{order}{count}q", head, 4)
    present = [o for o in offsets if o != -1]
    if len(present) < spec["entries_present_min"]:
        return None
    if any(o < 0 for o in present) or present[0] != table_end:
        return None
    if any(b <= a for a, b in zip(present, present[1:])) or present[-1] > entry.size:
        return None
    return f"TessdataManager header: {count} entries, {len(present)} present, offsets packed"


@_detector("caffe")
def _caffe(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if not head or head[0] not in (0x0A, 0x12, 0xA2):
        return None
    layer_fields = set(spec["layer_fields"])
    layers, name = 0, None
    fields = _protobuf_fields(head, entry.size, set(spec["varint_fields"]), set(spec["bytes_fields"]))
    for number, _wire, length, offset in fields:
        if number == 1 and name is None:
            raw = head[offset:offset + length]
            if not _printable(raw):
                return None
            name = raw.decode("utf-8")
        if number in layer_fields:
            if not _caffe_layer_named(head[offset:offset + length]):
                return None
            layers += 1
    needed = 1 if entry.has_extension(spec["extensions"]) else spec["layers_min_without_extension"]
    if layers < needed:
        return None
    return f"NetParameter {name!r} with {layers} layer(s) in the first {len(head)} bytes"


def _caffe_layer_named(layer: bytes) -> bool:
    """A layer message that opens with a non-empty printable string field.

    That is its name (field 1) in LayerParameter, or in V1LayerParameter a
    bottom blob name (field 2) or the name (field 4).  The layer may run past
    the head; its first field must not.
    """
    if len(layer) < 3 or layer[0] not in (0x0A, 0x12, 0x22):
        return False
    decoded = _varint(layer, 1)
    if decoded is None:
        return False
    length, start = decoded
    return 0 < length and start + length <= len(layer) and _printable(layer[start:start + length])


@_detector("darknet")
def _darknet(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if not entry.has_extension(spec["extensions"]) or entry.size < spec["size_min"]:
        return None
    if len(head) < 20:
        return None
    major, minor, revision = struct.unpack_from("<iii", head, 0)
    if not (0 <= major <= spec["major_max"] and 0 <= minor <= spec["minor_max"]
            and 0 <= revision <= spec["revision_max"]):
        return None
    start = 20 if major * 10 + minor >= 2 else 16
    if (entry.size - start) % 4:
        return None
    count = min(spec["floats_checked"], (len(head) - start) // 4)
    values = struct.unpack_from(f"<{count}f", head, start)
    if not values or not all(abs(v) <= spec["float_abs_max"] for v in values):  # NaN fails too
        return None
    return f"darknet header {major}.{minor}.{revision}, float32 weights follow"


@_detector("fasttext")
def _fasttext(entry: _Entry, spec: dict[str, Any]) -> str | None:
    head = entry.head
    if len(head) < 8:
        return None
    magic, version = struct.unpack_from("<ii", head, 0)
    if magic != spec["magic_int32"] or version not in spec["versions"]:
        return None
    return f"fastText magic {magic}, version {version}"


# ---------------------------------------------------------------------------
# Generated numeric arrays in C/C++ sources

_C_TOKEN = re.compile(
    r"""
      (?P<comment>/\*.*?\*/|//[^\n]*)
    | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    | (?P<hex>0[xX][0-9a-fA-F]+[uUlL]*)
    | (?P<number>(?:-[ \t]*)?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fFlLuU]*)
    | (?P<ident>[A-Za-z_]\w*)
    | (?P<punct>[{}=;])
    """, re.VERBOSE | re.DOTALL)


@attrs.frozen
class CArray:
    """One brace initialiser: its counts of literals by kind."""

    name: str
    line: int
    decimal: int  # decimal and floating-point literals
    hex: int
    floats: int = 0  # decimal literals with a point or an exponent
    negative: int = 0  # decimal literals written with a minus sign

    def weight_like(self, limits: dict[str, Any]) -> bool:
        """Trained parameters are floats, or signed quantised integers.

        Generated tables that are not weights — perfect-hash buckets, parser
        and intrinsic tables, Unicode properties — hold non-negative integers.
        """
        if self.decimal == 0 or self.hex > limits["hex_share_max"] * (self.hex + self.decimal):
            return False
        return (self.floats >= limits["float_share_min"] * self.decimal
                or self.negative >= limits["negative_share_min"] * self.decimal)


def scan_c_source(text: str) -> list[CArray]:
    """Brace initialisers of TEXT with their counts of decimal and hex literals.

    A tokenizer, not a parser: an initialiser starts at ``= {`` outside any
    other initialiser and ends at its matching ``}``; comments and strings
    are skipped.  (C++ ``float w[] {…}`` is rewritten to ``= {`` by the
    caller.)
    """
    arrays: list[CArray] = []
    depth = 0
    name, start_line, decimal, hexa, floating, negative = "", 0, 0, 0, 0, 0
    last_ident = ""
    previous = ""  # the last token outside initialisers
    line = 1
    position = 0
    for match in _C_TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind == "comment":
            continue
        if depth == 0:
            if token == "{" and previous == "=":
                line += text.count("\n", position, match.start())
                position = match.start()
                depth, name, start_line = 1, last_ident, line
                decimal = hexa = floating = negative = 0
            elif kind == "ident":
                last_ident = token
            previous = token
            continue
        if kind == "number":
            decimal += 1
            if token[0] == "-":
                negative += 1
            if "." in token or ("e" in token.lower() and "x" not in token.lower()):
                floating += 1
        elif kind == "hex":
            hexa += 1
        elif kind == "punct" and token == "{":
            depth += 1
        elif kind == "punct" and token == "}":
            depth -= 1
            if depth == 0:
                arrays.append(CArray(name, start_line, decimal, hexa, floating, negative))
                previous = "}"
    return arrays


# C++ brace initialisation without `=`: `float w[] {…}` reads as `float w[] = {…}`.
_BRACKET_BRACE = re.compile(r"\]\s*\{")


def _add_equals(match: re.Match[str]) -> str:
    return "] = " + "\n" * match.group().count("\n") + "{"


# --- the fast path ----------------------------------------------------------
#
# scan_c_source above is the reference: a token at a time in Python.  What the
# classifier needs of it is only the *counted* initialisers (array_counted_min
# decimal literals or more, weight-like), and those are rare.  The fast path
# below finds exactly the same ones (tests/classify/test_inspect.py checks it
# against scan_c_source with hypothesis) with the regular-expression engine
# doing the per-character work:
#
# 1. a necessary condition on the raw bytes (_may_hold_weights): a counted
#    initialiser holds enough negative or floating literals, and each of those
#    leaves a mark that a search with a literal first character counts;
# 2. comments and strings, found by one split with the tokenizer's own
#    expressions, are replaced by one character each (\x00 and \x01): nothing
#    the tokenizer counts can lie inside them or across their edges;
# 3. an initialiser opens at "=", then only characters that start no token,
#    then "{" (one search); its matching "}" is found over the braces alone;
# 4. its literals are counted by one findall of the tokenizer's expressions and
#    counts over the joined tokens, only when its "-", "." and "e" could make it
#    weight-like at all.

# One group (not one a kind): the engine then searches for the first characters.
_LEXEMES = re.compile(r"""(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')""",
                      re.DOTALL)
_NUMBER = r"(?:-[ \t]*)?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fFlLuU]*"  # as in _C_TOKEN
# The same, possessive (no backtracking): it matches where _NUMBER's greedy
# match is followed by a character that cannot continue a token.
_NUMBER_ENDED = r"(?:-[ \t]*+)?+(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?\d++)?+[fFlLuU]*+(?![\w.])"


@attrs.frozen
class _CPatterns:
    """The expressions of the fast path; compiled twice, for texts in ASCII
    (where the classes of digits, word and blank characters mean the same with
    re.ASCII, and run faster) and for others."""

    # "=" then characters that begin no token (comments are \x00 by now), then "{".
    opening: re.Pattern[str]
    # The literal and identifier tokens of _C_TOKEN, in its order, without groups.
    tokens: re.Pattern[str]
    # Runs of ", literal" (each literal a whole token): the bulk of generated
    # arrays, counted by str.count instead of a token at a time.
    runs: re.Pattern[str]
    marks: tuple[Any, ...]

    @classmethod
    def compile(cls, flags: int) -> "_CPatterns":
        return cls(
            re.compile(r"=(?:[^A-Za-z_\d.\-{}=;\x01]|\.(?!\d)|-(?![ \t]*\.?\d))*\{", flags),
            re.compile(r"0[xX][0-9a-fA-F]+[uUlL]*|" + _NUMBER + r"|[A-Za-z_]\w*", flags),
            re.compile(r"((?:\s*+,\s*+" + _NUMBER_ENDED + r")++)", flags),
            (re.compile(r"-[ \t]*\.?\d", flags), re.compile(r"\.(?:\d|(?<=\d\.))", flags),
             (re.compile(r"e(?<=\de)[-+]?\d", flags), re.compile(r"E(?<=\dE)[-+]?\d", flags))))


_C_ASCII = _CPatterns.compile(re.ASCII)
_C_UNICODE = _CPatterns.compile(0)
_BRACES = re.compile(r"[{}]")
_IDENT_LINE = re.compile(r"\n[A-Za-z_]")
_FLOAT_LINE = re.compile(r"\n(?![A-Za-z_]|0[xX])[^\n]*?[.eE]")
_FLOAT_ITEM = re.compile(r",[^,]*?[.eE]")
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")

# Upper bounds, on the raw bytes, of the negative and the floating literals.  A
# negative literal starts "-", blanks, a digit (or ".digit"); a floating one has
# its "." next to a digit, or a digit before its exponent.  Bytes of 0x80 and
# over stand for the Unicode digits the tokenizer's \d takes.
_BYTE_MARKS = (re.compile(rb"-[ \t]*\.?[\d\x80-\xff]"),
               re.compile(rb"\.(?:[\d\x80-\xff]|(?<=[\d\x80-\xff]\.))"),
               (re.compile(rb"e(?<=[\d\x80-\xff]e)[-+]?[\d\x80-\xff]"),
                re.compile(rb"E(?<=[\d\x80-\xff]E)[-+]?[\d\x80-\xff]")))


def _needed(limits: dict[str, Any]) -> tuple[float, float]:
    """The negative and the floating literals a counted initialiser needs at least."""
    least = limits["array_counted_min"]
    return limits["negative_share_min"] * least, limits["float_share_min"] * least


def _may_hold_weights(raw: bytes, limits: dict[str, Any]) -> bool:
    """A necessary condition, at the speed of the regular-expression engine's
    literal search, for scan_c_source to find a counted initialiser in RAW."""
    return _enough_marks(raw, limits, _BYTE_MARKS)


def _enough_marks(data: Any, limits: dict[str, Any], marks: Any) -> bool:
    """Whether DATA (bytes or text) has the marks of enough negative or enough
    floating literals for a counted initialiser (upper bounds of their numbers)."""
    negatives, floats = _needed(limits)
    if negatives <= 0 or floats <= 0:
        return True
    minus, dot, exponents = marks
    if data.count("-" if isinstance(data, str) else b"-") >= negatives \
            and _at_least(minus, data, negatives) is True:
        return True
    e, E, period = ("e", "E", ".") if isinstance(data, str) else (b"e", b"E", b".")
    if data.count(period) + data.count(e) + data.count(E) < floats:
        return False
    found = 0
    for mark in (dot, *exponents):
        found = _at_least(mark, data, floats, found)
        if found is True:
            return True
    return False


def _at_least(pattern: re.Pattern[Any], data: Any, least: float, found: int = 0) -> Any:
    """True once PATTERN has matched LEAST times in DATA (counting FOUND before),
    else the number of matches in all: the search stops at the LEAST-th match."""
    if found >= least:
        return True
    for _ in pattern.finditer(data):
        found += 1
        if found >= least:
            return True
    return found


def _last_ident(code: str, start: int, end: int, tokens: re.Pattern[str]) -> str | None:
    """The last identifier token of CODE[START:END], both token boundaries; read a
    line at a time from the end (a newline is inside no token of the code)."""
    while end > start:
        line = max(code.rfind("\n", start, end) + 1, start)
        for token in reversed(tokens.findall(code, line, end)):
            if token[0] in _IDENT_START:
                return token
        end = line - 1
    return None


def _original_offsets(parts: list[str], lexemes: list[str], positions: list[int]) -> list[int]:
    """Offsets in the text of POSITIONS (sorted) in the code PARTS joined (code,
    marker, code, …), where each marker stands for one of LEXEMES."""
    out: list[int] = []
    wanted = iter(positions)
    target = next(wanted, None)
    code = text = 0
    for index, piece in enumerate(parts):
        if target is None:
            break
        size = len(piece)
        while target is not None and target < code + size:
            out.append(text + target - code)
            target = next(wanted, None)
        code += size
        text += len(lexemes[index // 2]) if index % 2 else size
    return out


def _count_region(region: str, name: str, patterns: _CPatterns) -> CArray:
    """The literals of an initialiser's REGION (code between its braces) by kind.
    Runs of ", literal" are counted whole; the pieces between them (each starting
    and ending between tokens) are tokenized together, \x00 between them."""
    parts = patterns.runs.split(region)
    runs = parts[1::2]
    tokens = patterns.tokens.findall("\x00".join(parts[0::2]))
    joined = "\n" + "\n".join(tokens)
    hexa = joined.count("\n0x") + joined.count("\n0X")
    decimal = len(tokens) - hexa - len(_IDENT_LINE.findall(joined))
    floating = len(_FLOAT_LINE.findall(joined))
    negative = joined.count("\n-")
    for run in runs:  # one comma a literal; "-" a sign but in an exponent
        decimal += run.count(",")
        negative += run.count("-") - run.count("e-") - run.count("E-")
        if "e" in run or "E" in run:
            floating += len(_FLOAT_ITEM.findall(run))
        else:
            floating += run.count(".")
    return CArray(name, 0, decimal, hexa, floating, negative)


def counted_c_arrays(text: str, limits: dict[str, Any]) -> list[CArray]:
    """The initialisers of TEXT that scan_c_source finds and the limits count
    (``array_counted_min`` decimal literals or more, weight-like), in order,
    each equal to scan_c_source's (name, line and counts)."""
    least = limits["array_counted_min"]
    if "\x00" in text or "\x01" in text:  # the markers below would be ambiguous
        return [a for a in scan_c_source(text) if a.decimal >= least and a.weight_like(limits)]
    parts = _LEXEMES.split(text)
    if len(parts) == 1:
        code = text
    else:
        lexemes = parts[1::2]  # kept for the lines of what is found
        parts[1::2] = ["\x00" if lexeme[0] == "/" else "\x01" for lexeme in lexemes]
        code = "".join(parts)
    found: list[tuple[int, CArray]] = []
    name = ""
    position = 0
    patterns = _C_ASCII if text.isascii() else _C_UNICODE
    search, braces = patterns.opening.search, _BRACES.finditer
    while True:
        opening = search(code, position)
        if opening is None:
            break
        brace = opening.end() - 1
        ident = _last_ident(code, position, opening.start(), patterns.tokens)
        if ident is not None:
            name = ident
        depth = 1
        close = -1
        for match in braces(code, brace + 1):
            if code[match.start()] == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    close = match.start()
                    break
        if close < 0:
            break  # never closed: scan_c_source reports nothing from here on
        position = close + 1
        region = code[brace + 1:close]
        if not _enough_marks(region, limits, patterns.marks):
            continue  # cannot be weight-like with enough literals
        array = _count_region(region, name, patterns)
        if array.decimal >= least and array.weight_like(limits):
            found.append((brace, array))
    if not found:
        return []
    offsets = [brace for brace, _ in found] if len(parts) == 1 else \
        _original_offsets(parts, lexemes, [brace for brace, _ in found])
    arrays: list[CArray] = []
    last, line = 0, 1
    for offset, (_, array) in zip(offsets, found):
        line += text.count("\n", last, offset)
        last = offset
        arrays.append(attrs.evolve(array, line=line))
    return arrays


def _c_array_finding(entry: _Entry) -> str | None:
    limits = weight_formats()["c_arrays"]
    raw = _read_up_to(entry.rest(), limits["source_bytes_max"])
    if not _may_hold_weights(raw, limits):
        return None
    text = raw.decode("utf-8", "replace")
    text = _BRACKET_BRACE.sub(_add_equals, text)
    counted = counted_c_arrays(text, limits)
    if not counted:
        return None
    largest = max(counted, key=lambda a: a.decimal)
    total = sum(a.decimal for a in counted)
    if largest.decimal >= limits["array_literals_min"]:
        return (f"initialiser {largest.name or '?'} (line {largest.line}) holds "
                f"{largest.decimal} numeric literals; {len(counted)} large arrays, {total} in all")
    if total >= limits["file_literals_min"] and len(counted) >= limits["arrays_min"]:
        return (f"{len(counted)} large initialisers hold {total} numeric literals "
                f"(largest {largest.name or '?'}, line {largest.line}: {largest.decimal})")
    return None


# ---------------------------------------------------------------------------
# Walking trees and archives


def _first_bytes(spec: dict[str, Any]) -> frozenset[int] | None:
    """The first bytes a file can have for SPEC's detector to name it (each
    detector returns None at once for any other), or None when any can."""
    detector = spec["detector"]
    if detector in ("gguf", "numpy"):
        return frozenset(_hex(spec["magic"])[:1])
    if detector == "ggml_legacy":
        return frozenset(_hex(magic)[0] for magic in spec["magics"])
    if detector == "onnx":
        return frozenset(b"\x08")
    if detector in ("zip_members", "npz"):
        return frozenset(b"P")
    if detector == "pickle":
        return frozenset(b"\x80" + _hex(spec.get("prefix", "80"))[:1])
    if detector == "lc0":
        return frozenset(b"\x1f" + _hex(spec["prefix"])[:1])
    if detector == "leela_zero_text":
        return frozenset(b"\x1f")
    if detector == "caffe":
        return frozenset((0x0A, 0x12, 0xA2))
    if detector == "fasttext":
        return frozenset(struct.pack("<i", spec["magic_int32"])[:1])
    return None


@functools.cache
def _formats_by_first_byte() -> tuple[tuple[dict[str, Any], ...], ...]:
    """For each value of a file's first byte, the formats that may match, in order."""
    specs = [(spec, _first_bytes(spec)) for spec in weight_formats()["format"]]
    return tuple(tuple(spec for spec, first in specs if first is None or byte in first)
                 for byte in range(256))


def _examine(entry: _Entry, depth: int, out: "_Collector") -> None:
    out.files += 1
    config = weight_formats()
    specs = _formats_by_first_byte()[entry.head[0]] if entry.head else config["format"]
    for spec in specs:
        try:
            result = _DETECTORS[spec["detector"]](entry, spec)
        except RuntimeError:
            result = None  # a detector before this one consumed the stream
        if result:
            confidence, evidence = result if isinstance(result, tuple) else ("high", result)
            out.add(Finding(entry.path, spec["id"], entry.size, evidence, confidence))
            return
    if entry.consumed:
        return  # read to the end by a detector (a zip walk): nothing else applies
    if entry.has_extension(config["c_arrays"]["extensions"]):
        evidence = _c_array_finding(entry)
        if evidence:
            out.add(Finding(entry.path, "c-array", entry.size, evidence))
        return
    if depth < config["limits"]["nested_archive_depth"] and _looks_like_tar(entry.head):
        try:
            with tarfile.open(fileobj=entry.rest(), mode="r|*") as archive:
                _walk_tar(archive, entry.path + "!/", depth + 1, out)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            out.errors.append(f"{entry.path}: unreadable nested archive ({error})")


def _looks_like_tar(head: bytes) -> bool:
    """HEAD starts a tar archive, plain or compressed with gzip, bzip2 or xz."""
    expanded = _decompress_prefix(head, 512)
    return expanded[257:262] == b"ustar"


def _decompress_prefix(head: bytes, limit: int) -> bytes:
    """The first LIMIT bytes HEAD expands to (HEAD itself when not compressed)."""
    try:
        if head.startswith(b"\x1f\x8b"):
            return _gunzip_prefix(head, limit) or b""
        if head.startswith(b"BZh"):
            return bz2.BZ2Decompressor().decompress(head, limit)
        if head.startswith(b"\xfd7zXZ\x00"):
            return lzma.LZMADecompressor().decompress(head, limit)
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        return b""
    return head


class _Collector:
    """What an examination found.  With ``digests`` a dict, each weight file found
    inside a nested archive gets its sha256 there, by its ``!/`` path, taken
    as the member streams by (the caller hashes the outermost members itself)."""

    def __init__(self, digests: dict[str, str] | None = None) -> None:
        self.findings: list[Finding] = []
        self.errors: list[str] = []
        self.files = 0
        self.digests = digests

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)


def _walk_tar(archive: tarfile.TarFile, prefix: str, depth: int, out: _Collector) -> None:
    head_bytes = weight_formats()["limits"]["head_bytes"]
    for member in archive:
        if not member.isfile():
            continue
        stream = archive.extractfile(member)
        if stream is None:
            continue
        if out.digests is None:
            _examine(_Entry(prefix + member.name, member.size, stream, head_bytes), depth, out)
            continue
        hashing = _HashingReader(stream)
        entry = _Entry(prefix + member.name, member.size, hashing, head_bytes)  # type: ignore[arg-type]
        before = len(out.findings)
        _examine(entry, depth, out)
        if any(f.path == entry.path for f in out.findings[before:]):
            out.digests[entry.path] = hashing.drain()


class _HashingReader(io.RawIOBase):
    """A forward stream that hashes what is read through it; ``drain`` reads the
    rest and gives the sha256 of the whole."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._digest.update(data)
        return n

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = self._stream.read(size)
        self._digest.update(data)
        return data

    def drain(self) -> str:
        while True:
            data = self._stream.read(1 << 20)
            if not data:
                break
            self._digest.update(data)
        return self._digest.hexdigest()


def _walk_zip(path: str, out: _Collector) -> None:
    head_bytes = weight_formats()["limits"]["head_bytes"]
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                with archive.open(info) as stream:
                    _examine(_Entry(info.filename, info.file_size, stream, head_bytes), 1, out)
            except (zipfile.BadZipFile, OSError, zlib.error, NotImplementedError) as error:
                out.errors.append(f"{info.filename}: unreadable zip member ({error})")


def _walk_directory(root: str, out: _Collector) -> None:
    limits = weight_formats()["limits"]
    skip = set(limits["skip_directories"])
    for directory, subdirs, files in os.walk(root, onerror=lambda e: out.errors.append(str(e))):
        subdirs[:] = sorted(d for d in subdirs if d not in skip)
        for name in sorted(files):
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            try:
                info = os.lstat(full)
                if not stat.S_ISREG(info.st_mode):
                    continue  # symlinks, devices, sockets: not content of the tree
                with open(full, "rb") as stream:
                    _examine(_Entry(relative, info.st_size, stream, limits["head_bytes"]), 0, out)
            except OSError as error:
                out.errors.append(f"{relative}: {error.strerror or error}")
            except (tarfile.TarError, EOFError, zlib.error) as error:
                out.errors.append(f"{relative}: {error}")


def inspect_path(path: str | os.PathLike[str]) -> Inspection:
    """Inspect a directory, an archive (tar of any compression, zip) or a single file."""
    root = os.fspath(path)
    out = _Collector()
    if os.path.isdir(root):
        _walk_directory(root, out)
        return Inspection(root, tuple(out.findings), out.files, tuple(out.errors))
    if not os.path.exists(root):
        raise InspectError(f"{root}: no such file or directory")
    head_bytes = weight_formats()["limits"]["head_bytes"]
    try:
        with open(root, "rb") as stream:
            head = stream.read(head_bytes)
        size = os.path.getsize(root)
        name = os.path.basename(root)
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            with open(root, "rb") as stream:
                _examine(_Entry(name, size, stream, head_bytes), 0, out)
            if not out.findings:
                out.files = 0
                _walk_zip(root, out)
        elif _looks_like_tar(head):
            with tarfile.open(root, mode="r|*") as archive:
                _walk_tar(archive, "", 1, out)
        else:
            with open(root, "rb") as stream:
                _examine(_Entry(name, size, stream, head_bytes), 0, out)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise InspectError(f"{root}: unreadable archive ({error})") from error
    except OSError as error:
        raise InspectError(f"{root}: {error.strerror or error}") from error
    return Inspection(root, tuple(out.findings), out.files, tuple(out.errors))


def inspect_bytes(name: str, data: bytes) -> Finding | None:
    """Inspect one file's content given as bytes (for tests and callers with data in hand)."""
    out = _Collector()
    _examine(_Entry(name, len(data), io.BytesIO(data), weight_formats()["limits"]["head_bytes"]), 0, out)
    return out.findings[0] if out.findings else None
