"""`guixml inspect`: weight files found by content, and silence on ordinary trees.

Every weight file here is synthetic, written byte by byte from the format's
published layout; none is a real model.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sqlite3
import struct
import tarfile
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from guixml.cli import main
from guixml.classify.inspect import (
    Finding,
    InspectError,
    inspect_bytes,
    inspect_path,
    scan_c_source,
    weight_formats,
)

RNG = random.Random(20260826)


# ---------------------------------------------------------------------------
# Builders of synthetic files


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_bytes(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def pb_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def floats(count: int) -> bytes:
    return struct.pack(f"<{count}f", *(RNG.uniform(-1, 1) for _ in range(count)))


def gguf() -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 2, 1) + b"\x00" * 200


def ggjt() -> bytes:
    return struct.pack("<II", 0x67676A74, 3) + struct.pack("<7i", 32000, 4096, 256, 32, 32, 128, 2)


def ggml_unversioned() -> bytes:
    return struct.pack("<Ii", 0x67676D6C, 51864) + floats(64)


def safetensors() -> bytes:
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "fc.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                         "fc.bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}})
    return struct.pack("<Q", len(header)) + header.encode() + floats(6)


def onnx() -> bytes:
    node = pb_bytes(1, b"x") + pb_bytes(2, b"y") + pb_bytes(4, b"Relu")
    graph = pb_bytes(1, node) + pb_bytes(2, b"main_graph") + pb_bytes(5, floats(64))
    return (pb_varint(1, 8) + pb_bytes(2, b"pytorch") + pb_bytes(3, b"2.3.0")
            + pb_bytes(7, graph) + pb_bytes(8, pb_bytes(1, b"") + pb_varint(2, 17)))


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def pytorch_zip(compression: int = zipfile.ZIP_STORED) -> bytes:
    return zip_of({"resnet/data.pkl": b"\x80\x02}q\x00.", "resnet/byteorder": b"little",
                   "resnet/data/0": floats(256), "resnet/version": b"3\n"}, compression)


def torchscript_zip() -> bytes:
    return zip_of({"model/code/__torch__.py": b"class M: pass\n", "model/constants.pkl": b"\x80\x02).",
                   "model/data.pkl": b"\x80\x02).", "model/version": b"1\n"})


def keras_zip() -> bytes:
    return zip_of({"metadata.json": b'{"keras_version": "3.0.0"}', "config.json": b"{}",
                   "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\x00" * 64})


def torch_legacy_pickle() -> bytes:
    return bytes.fromhex("80028a0a6cfc9c46f9206aa850192e") + b"\x80\x02M\xe9\x03." + floats(64)


def torch_marker_pickle() -> bytes:
    return (b"\x80\x04\x95\x00\x01\x00\x00\x00\x00\x00\x00\x8c\x0ccollections\x94\x8c\x0bOrderedDict"
            b"\x94\x93\x94)R\x94\x8c\x0ctorch._utils\x94\x8c\x12_rebuild_tensor_v2\x94\x93." + floats(16))


def sklearn_pickle() -> bytes:
    return (b"\x80\x04\x95\x00\x01\x00\x00\x00\x00\x00\x00\x8c\x1esklearn.linear_model._logistic"
            b"\x94\x8c\x12LogisticRegression\x94\x93\x94)\x81\x94}\x94(\x8c\x05coef_\x94" + floats(16))


def ordered_dict_pickle() -> bytes:
    """A protocol-2 pickle of an OrderedDict of plain numbers: not a model."""
    return b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s."


def keras_h5() -> bytes:
    return (b"\x89HDF\r\n\x1a\n" + b"\x00" * 120 + b"keras_version\x00\x002.15.0\x00"
            + b"backend\x00tensorflow\x00model_weights\x00" + floats(64))


def tflite() -> bytes:
    return struct.pack("<I", 16) + b"TFL3" + b"\x00" * 8 + struct.pack("<i", 8) + b"\x00" * 100


def nnue() -> bytes:
    description = b"Features=HalfKAv2_hm(Friend)[45056->3072x2],Network=AffineTransform"
    return struct.pack("<III", 0x7AF32F20, 0x1C103E72, len(description)) + description + floats(64)


def lc0() -> bytes:
    net = (b"\x0d" + struct.pack("<I", 0x1C0) + pb_bytes(2, b"CC0")
           + pb_bytes(3, pb_varint(1, 0) + pb_varint(2, 30)) + pb_bytes(10, floats(64)))
    return gzip.compress(net)


def leela_zero() -> bytes:
    lines = ["1"] + [" ".join(f"{RNG.uniform(-1, 1):.6f}" for _ in range(128)) for _ in range(4)]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def tessdata() -> bytes:
    count = 24
    table_end = 4 + 8 * count
    unicharset = b"110\nNULL 0 Common 0\n" * 5
    lstm = floats(64)
    version = b"4.00.00alpha:eng"
    offsets = [-1] * count
    offsets[0] = table_end
    offsets[17] = table_end + len(unicharset)
    offsets[23] = offsets[17] + len(lstm)
    return struct.pack(f"<i{count}q", count, *offsets) + unicharset + lstm + version


def caffe_layer(name: bytes, kind: bytes) -> bytes:
    return pb_bytes(1, name) + pb_bytes(2, kind) + pb_bytes(7, pb_bytes(5, floats(32)))


def caffemodel() -> bytes:
    return (pb_bytes(1, b"CaffeNet") + pb_bytes(100, caffe_layer(b"data", b"Input"))
            + pb_bytes(100, caffe_layer(b"conv1", b"Convolution"))
            + pb_bytes(100, caffe_layer(b"fc8", b"InnerProduct")))


def darknet() -> bytes:
    return struct.pack("<iiiQ", 0, 2, 5, 32013312) + floats(512)


def fasttext() -> bytes:
    return struct.pack("<ii", 793712314, 12) + struct.pack("<12i", *range(12)) + floats(64)


def generated_c_weights(count: int = 24 * 42 * 3 + 9000) -> str:
    """An rnn_data.c-like file: a generator's header and weight arrays of int8."""
    def array(name: str, n: int) -> str:
        values = ", ".join(str(RNG.randint(-128, 127)) for _ in range(n))
        lines = textwrap.wrap(values, 78)
        return f"static const rnn_weight {name}[{n}] = {{\n   " + "\n   ".join(lines) + "\n};\n\n"
    return ("/*This file is automatically generated from a Keras model*/\n\n"
            '#include "rnn.h"\n#include "rnn_data.h"\n\n'
            + array("input_dense_weights", 1008) + array("input_dense_bias", 24)
            + array("vad_gru_weights", 1728) + array("noise_gru_weights", 8640)
            + "const DenseLayer input_dense = {\n   input_dense_bias,\n   input_dense_weights,\n"
              "   42, 24, ACTIVATION_TANH\n};\n")


def split_c_weights() -> str:
    """A network written as many mid-sized float arrays, none over the per-array limit."""
    parts = []
    for layer in range(8):
        values = ", ".join(f"{RNG.uniform(-1, 1):.7f}f" for _ in range(3000))
        parts.append(f"const float layer{layer}_w[3000] = {{ {values} }};\n")
    return "".join(parts)


WEIGHT_FILES = {
    "gguf": ("models/tiny-q4_0.gguf", gguf),
    "ggml": ("models/ggml-model.bin", ggjt),
    "safetensors": ("model.safetensors", safetensors),
    "onnx": ("export/model.onnx", onnx),
    "pytorch-zip": ("checkpoints/resnet.pt", pytorch_zip),
    "keras-zip": ("saved/model.keras", keras_zip),
    "pytorch-legacy": ("old/net.pth", torch_legacy_pickle),
    "sklearn-pickle": ("models/classifier.joblib", sklearn_pickle),
    "keras-hdf5": ("weights/model.h5", keras_h5),
    "tflite": ("assets/detect.tflite", tflite),
    "nnue": ("src/nn-1c0000000000.nnue", nnue),
    "lc0": ("nets/weights_run1_744204.pb.gz", lc0),
    "leela-zero": ("best-network.gz", leela_zero),
    "tessdata": ("tessdata/eng.traineddata", tessdata),
    "caffe": ("models/bvlc.caffemodel", caffemodel),
    "darknet": ("cfg/yolov3-tiny.weights", darknet),
    "fasttext": ("lid.176.bin", fasttext),
}


# ---------------------------------------------------------------------------
# Each format is found, under its own name and under a neutral one


@pytest.mark.parametrize("expected", sorted(WEIGHT_FILES))
def test_each_format_is_detected(expected):
    name, build = WEIGHT_FILES[expected]
    finding = inspect_bytes(name, build())
    assert finding is not None, expected
    assert finding.format == expected
    assert finding.evidence


# Formats with a magic number or a self-checking layout need no telling name.
NAME_INDEPENDENT = sorted(set(WEIGHT_FILES) - {"darknet"})


@pytest.mark.parametrize("expected", NAME_INDEPENDENT)
def test_detection_does_not_depend_on_the_file_name(expected):
    _, build = WEIGHT_FILES[expected]
    finding = inspect_bytes("data/blob.dat", build())
    assert finding is not None and finding.format == expected


def test_other_variants():
    assert inspect_bytes("m.bin", ggml_unversioned()).format == "ggml"
    assert inspect_bytes("m.pt", pytorch_zip(zipfile.ZIP_DEFLATED)).format == "pytorch-zip"
    assert inspect_bytes("m.pt", torchscript_zip()).format == "pytorch-zip"
    assert inspect_bytes("m.pkl", torch_marker_pickle()).format == "pytorch-legacy"
    caffe_without_name = inspect_bytes("snapshot_iter_1000", caffemodel())
    assert caffe_without_name.format == "caffe"
    raw_lc0 = zlib.decompress(lc0(), 16 + zlib.MAX_WBITS)
    assert inspect_bytes("net.pb", raw_lc0).format == "lc0"


def test_generated_c_array_file_is_detected():
    finding = inspect_bytes("src/rnn_data.c", generated_c_weights().encode())
    assert finding is not None and finding.format == "c-array"
    assert "noise_gru_weights" in finding.evidence
    assert "8640 numeric literals" in finding.evidence


def test_many_mid_sized_float_arrays_are_detected():
    finding = inspect_bytes("src/model_weights.h", split_c_weights().encode())
    assert finding is not None and finding.format == "c-array"


def test_c_scanner_counts_literals_and_skips_comments_and_strings():
    arrays = scan_c_source(
        '/* int no[] = { 1, 2 }; */\nconst char *s = "{ 1, 2, 3 }";\n'
        "static const float w[4] = { 0.5f, -1e-3, .25, 7 };\n"
        "static const unsigned crc[] = { 0x0, 0x77073096UL };\n"
        "int f(void) { int x = 1; return x; }\n")
    assert [(a.name, a.line, a.decimal, a.hex) for a in arrays] == [
        ("w", 3, 4, 0), ("crc", 4, 0, 2)]


# ---------------------------------------------------------------------------
# Trees and archives


def write_tree(root, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def tar_of(files: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def all_weight_files() -> dict[str, bytes]:
    files = {name: build() for name, build in WEIGHT_FILES.values()}
    files["src/rnn_data.c"] = generated_c_weights().encode()
    return files


def test_directory_tree_reports_every_weight_file(tmp_path):
    write_tree(tmp_path, all_weight_files() | c_project())
    result = inspect_path(tmp_path)
    found = {f.path: f.format for f in result.findings}
    expected = {name: fmt for fmt, (name, _) in WEIGHT_FILES.items()}
    expected["src/rnn_data.c"] = "c-array"
    assert found == expected
    assert result.errors == ()


@pytest.mark.parametrize("mode, suffix", [("w", ".tar"), ("w:gz", ".tar.gz"),
                                          ("w:xz", ".tar.xz"), ("w:bz2", ".tar.bz2")])
def test_archives_are_streamed(tmp_path, mode, suffix):
    files = {f"pkg-1.0/{name}": data for name, data in all_weight_files().items()}
    archive = tmp_path / f"pkg-1.0{suffix}"
    archive.write_bytes(tar_of(files, mode))
    found = {f.path for f in inspect_path(archive).findings}
    assert found == set(files)


def test_zip_archive_and_nested_tarball(tmp_path):
    inner = tar_of({"third_party/nnue/nn.nnue": nnue(), "README": b"vendored\n"})
    outer = zip_of({"proj/src/main.c": b"int main(void) { return 0; }\n",
                    "proj/vendor/engine-2.0.tar.gz": inner,
                    "proj/model.onnx": onnx()}, zipfile.ZIP_DEFLATED)
    path = tmp_path / "proj.zip"
    path.write_bytes(outer)
    found = {(f.path, f.format) for f in inspect_path(path).findings}
    assert found == {("proj/vendor/engine-2.0.tar.gz!/third_party/nnue/nn.nnue", "nnue"),
                     ("proj/model.onnx", "onnx")}


def test_single_weight_file_argument(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pytorch_zip())
    [finding] = inspect_path(path).findings
    assert finding == Finding("model.pt", "pytorch-zip", len(pytorch_zip()), finding.evidence)


# ---------------------------------------------------------------------------
# Ordinary source trees: nothing reported


def c_project() -> dict[str, bytes]:
    crc = ", ".join(f"0x{RNG.getrandbits(32):08x}U" for _ in range(256))
    sine = ", ".join(f"{RNG.uniform(-1, 1):.8f}" for _ in range(2048))
    font = ", ".join(f"0x{RNG.getrandbits(8):02x}" for _ in range(256 * 16))
    logo = ", ".join(f"0x{b:02x}" for b in png_bytes()) * 20
    quant = ",\n".join(", ".join(str(RNG.randint(0, 255)) for _ in range(16)) for _ in range(64))
    return {
        "src/crc32.c": f"#include <stdint.h>\nstatic const uint32_t crc_table[256] = {{ {crc} }};\n".encode(),
        "src/window.c": f"const float window[2048] = {{ {sine} }};\n".encode(),
        "src/font8x16.h": f"static const unsigned char font[4096] = {{ {font} }};\n".encode(),
        "src/logo_png.h": f"unsigned char logo_png[] = {{ {logo} }};\n".encode(),
        "src/quant.c": f"static const int quant[64][16] = {{ {quant} }};\n".encode(),
        # Generated but not weights: a perfect-hash table of non-negative integers.
        "src/uni_tables.h": ("static const unsigned short buckets[20000] = {\n"
                             + ",\n".join(", ".join(str(RNG.randint(0, 60000)) for _ in range(20))
                                           for _ in range(1000)) + "\n};\n").encode(),
        "src/main.c": b'#include <stdio.h>\nint main(int argc, char **argv) {\n'
                      b'  int v[] = {1, 2, 3};\n  printf("%d\\n", v[argc]);\n  return 0;\n}\n',
        "Makefile": b"all:\n\t$(CC) -o prog src/*.c\n",
        "configure.ac": b"AC_INIT([prog], [1.0])\nAC_OUTPUT\n",
    }


def python_project() -> dict[str, bytes]:
    return {
        "setup.py": b"from setuptools import setup\nsetup(name='demo', version='1.0')\n",
        "demo/__init__.py": b"WEIGHTS = [0.1, 0.2, 0.7]  # mixing weights, not a model\n",
        "demo/data/table.json": json.dumps({"values": list(range(5000))}).encode(),
        "demo/settings.pkl": ordered_dict_pickle(),
        "demo/cache.pkl": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.",
        "tests/fixtures/points.csv": "\n".join(f"{i},{i * i}" for i in range(2000)).encode(),
    }


def png_bytes() -> bytes:
    raw = b"".join(b"\x00" + bytes(RNG.getrandbits(8) for _ in range(12)) for _ in range(4))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def font_bytes() -> bytes:
    tables = [(b"cmap", 300), (b"glyf", 4000), (b"head", 54), (b"hmtx", 400), (b"name", 600)]
    directory = struct.pack(">IHHHH", 0x00010000, len(tables), 64, 2, 16)
    offset = 12 + 16 * len(tables)
    body = b""
    for tag, length in tables:
        directory += tag + struct.pack(">III", RNG.getrandbits(32), offset + len(body), length)
        body += RNG.randbytes(length)
    return directory + body


def sqlite_bytes(tmp_path) -> bytes:
    path = tmp_path / "scratch.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("create table t (id integer primary key, x real)")
        db.executemany("insert into t (x) values (?)", [(RNG.random(),) for _ in range(3000)])
    data = path.read_bytes()
    path.unlink()
    return data


def ordinary_files(tmp_path) -> dict[str, bytes]:
    files = c_project() | python_project()
    files |= {
        "share/fonts/DejaVuSans.ttf": font_bytes(),
        "share/fonts/font.woff": b"wOFF\x00\x01\x00\x00" + RNG.randbytes(3000),
        "doc/logo.png": png_bytes(),
        "data/scores.sqlite": sqlite_bytes(tmp_path),
        "doc/ChangeLog.gz": gzip.compress(b"2026-08-01  Release 1.0.\n" * 400),
        "data/readings.h5": b"\x89HDF\r\n\x1a\n" + RNG.randbytes(4096),  # plain HDF5 data
        "po/fr.gmo": struct.pack("<I", 0x950412DE) + RNG.randbytes(2000),
        "bin/blob.bin": RNG.randbytes(70000),
        "tests/noise.raw": RNG.randbytes(5000),
        "tests/weights.txt": b"weights of the edges: 1 2 3\n",
        "docs/archive.zip": zip_of({"a.txt": b"hello\n", "b/c.txt": b"world\n"}),
        "vendor/lib-0.1.tar.gz": tar_of({"lib/lib.c": b"int lib(void) { return 1; }\n"}),
    }
    # Random binaries named like weight formats without their layout.
    for name in ("data/random.weights", "x.nnue", "y.onnx", "z.caffemodel", "w.traineddata"):
        files[name] = RNG.randbytes(3000)
    return files


def test_ordinary_tree_reports_nothing(tmp_path):
    tree = tmp_path / "tree"
    write_tree(tree, ordinary_files(tmp_path))
    result = inspect_path(tree)
    assert result.findings == ()
    assert result.errors == ()
    assert result.files_scanned > 20


def test_ordinary_tarball_reports_nothing(tmp_path):
    archive = tmp_path / "ordinary-1.0.tar.xz"
    archive.write_bytes(tar_of({f"ordinary-1.0/{k}": v for k, v in ordinary_files(tmp_path).items()},
                               "w:xz"))
    assert inspect_path(archive).findings == ()


def test_random_bytes_report_nothing():
    for size in (0, 1, 7, 64, 1000, 70000):
        for name in ("a.bin", "b.pt", "c.h5", "d.gz", "e.pb"):
            assert inspect_bytes(name, RNG.randbytes(size)) is None


def test_crc_table_alone_is_not_flagged():
    assert inspect_bytes("crc.c", c_project()["src/crc32.c"]) is None


def test_threshold_lies_between_tables_and_layers():
    limits = weight_formats()["c_arrays"]
    values = ", ".join(str(RNG.randint(-99, 99)) for _ in range(limits["array_literals_min"] - 1))
    assert inspect_bytes("t.c", f"const short t[] = {{ {values} }};".encode()) is None
    values += ", 1"
    assert inspect_bytes("t.c", f"const short t[] = {{ {values} }};".encode()).format == "c-array"


# ---------------------------------------------------------------------------
# The command line


def test_cli_exit_codes_and_json(tmp_path, capsys):
    write_tree(tmp_path / "clean", c_project())
    assert main(["inspect", str(tmp_path / "clean")]) == 0
    write_tree(tmp_path / "dirty", {"net.gguf": gguf()})
    assert main(["inspect", str(tmp_path / "dirty")]) == 1
    capsys.readouterr()
    assert main(["inspect", "--format", "json", str(tmp_path / "dirty")]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["findings"][0]["path"] == "net.gguf"
    assert document["findings"][0]["format"] == "gguf"
    assert main(["inspect", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err


def test_corrupt_archive_is_an_error(tmp_path):
    path = tmp_path / "broken.tar.gz"
    path.write_bytes(tar_of({"a/b.bin": RNG.randbytes(100000)})[:3000])
    with pytest.raises(InspectError):
        inspect_path(path)


def _npy(descr: str, shape: tuple, data: bytes = b"", version: int = 1) -> bytes:
    """A .npy file as numpy.lib.format writes it (numpy need not be installed)."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    size = 4 if version > 1 else 2
    pad = (-(6 + 2 + size + len(header) + 1)) % 64
    header = (header + " " * pad + "\n").encode("latin-1")
    length = struct.pack("<I" if version > 1 else "<H", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header + data


def test_numpy_arrays_and_archives(tmp_path, capsys):
    import zipfile
    (tmp_path / "layer.npy").write_bytes(_npy("<f4", (64, 128), bytes(64 * 128 * 4)))
    (tmp_path / "small.npy").write_bytes(_npy("<f4", (3,), bytes(12), version=2))
    (tmp_path / "objects.npy").write_bytes(_npy("|O", (1,), b"\x80\x02}q\x00."))
    with zipfile.ZipFile(tmp_path / "model.npz", "w") as archive:
        archive.writestr("w.npy", _npy("<f8", (10, 10), bytes(800)))
        archive.writestr("b.npy", _npy("<f8", (3,), bytes(24)))
    (tmp_path / "fake.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00__import__('os')\n")
    result = inspect_path(str(tmp_path))
    found = {Path(f.path).name: f for f in result.findings}
    assert set(found) == {"layer.npy", "small.npy", "objects.npy", "model.npz"}
    assert found["layer.npy"].format == "numpy" and found["layer.npy"].confidence == "high"
    assert "(64, 128)" in found["layer.npy"].evidence
    assert found["small.npy"].confidence == "low"
    assert "pickle" in found["objects.npy"].evidence
    assert found["model.npz"].format == "numpy-npz" and "2 NumPy arrays" in \
        found["model.npz"].evidence


def test_cli_says_so_when_it_finds_nothing(tmp_path, capsys):
    (tmp_path / "README").write_text("hello\n")
    assert main(["inspect", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"no weight files found in {tmp_path}\n"
