"""Bad sources, every compression: a corrupt or truncated archive, hashed by
``--sources`` and inspected by the deep audit, is a located one-line warning,
never a traceback, and nothing is written outside the cache."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from guixml.classify.content import inspect_source
from guixml.sources.archive import Limits
from guixml.sources.common import Wanted, nix_base32
from guixml.sources.locate import locate_sources

from tests.classify.test_content import gguf_bytes

NOISE = random.Random(13).randbytes(300_000)  # incompressible: the damage lands in data
FORMATS = ["tar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst", "tar.lz", "zip"]
PROGRAMS = {"tar.zst": "zstd", "tar.lz": "lzip"}


def good_archive(path: Path, suffix: str) -> Path:
    members = [("p-1/noise.bin", NOISE), ("p-1/models/m.gguf", gguf_bytes()),
               ("p-1/README", b"read me\n")]
    if suffix == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
        return path
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    plain = buffer.getvalue()
    compress = {"tar": None, "tar.gz": ["gzip"], "tar.bz2": ["bzip2"], "tar.xz": ["xz"],
                "tar.zst": ["zstd", "-q"], "tar.lz": ["lzip"]}[suffix]
    path.write_bytes(plain if compress is None else
                     subprocess.run([*compress, "-c"], input=plain, capture_output=True,
                                    check=True).stdout)
    return path


def damage(path: Path, how: str, suffix: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        del data[len(data) // 2:]
    elif suffix == "tar":
        data[100:160] = b"\x55" * 60  # the first header: its checksum no longer holds
    elif suffix == "zip":
        # The central directory (a member's data is checked only when read to its end).
        data[-80:-40] = bytes(b ^ 0xA5 for b in data[-80:-40])
    else:
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0xA5 for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))


def cases() -> list[tuple[str, str]]:
    return [(suffix, how) for suffix in FORMATS for how in ("corrupt", "truncated")]


def snapshot(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def check_warnings(warnings: list[str], archive: Path) -> None:
    assert warnings, "a bad archive must be reported"
    for text in warnings:
        assert "\n" not in text and "Traceback" not in text
        assert text.startswith(str(archive)), text  # located: names the archive (and member)


@pytest.mark.parametrize("suffix,how", cases())
def test_bad_archive_is_a_located_warning(tmp_path: Path, suffix: str, how: str) -> None:
    if suffix in PROGRAMS and shutil.which(PROGRAMS[suffix]) is None:
        pytest.skip(f"no {PROGRAMS[suffix]} program")
    sources = tmp_path / "sources"
    sources.mkdir()
    archive = good_archive(sources / f"p-1.{suffix}", suffix)
    damage(archive, how, suffix)
    before = snapshot(tmp_path)
    siblings = set(os.listdir(tmp_path.parent))
    # Inspected (the deep audit's content pass).
    content = inspect_source(archive, scratch=tmp_path / "cache" / "unpack")
    check_warnings(list(content.warnings), archive)
    # Hashed and unpacked (--sources): the file keeps its own hashes, the
    # unpacked tree is a warning.
    found, problems = locate_sources(
        [Wanted("other", "9", "git-fetch", ("u",), commit="c",
                sha256=nix_base32(b"\0" * 32), where="p.scm:1:0")],
        [sources], cache_dir=tmp_path / "cache", limits=Limits(max_bytes=8 << 20))
    assert found == []
    check_warnings([f"{w.where}: {w.message}" for w in problems], archive)
    new = {p for p in snapshot(tmp_path) - before if not p.startswith(str(tmp_path / "cache"))}
    assert new == set() and set(os.listdir(tmp_path.parent)) == siblings


PACKAGE = """(define-module (bad pkgs)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define-public p
  (package
    (name "p")
    (version "1")
    (source (origin
              (method url-fetch)
              (uri "https://example.org/p-1.tar.gz")
              (sha256 (base32 "{hash}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "P")
    (description "P.")
    (license license:expat)))
"""


def test_cli_with_every_bad_archive_warns_and_never_fails(tmp_path: Path) -> None:
    """Through the CLI: the declared hash matches a damaged archive (as a
    source whose upstream tarball is broken would): found, verified, its
    damage a located warning; the others, unmatched, are warnings of their
    own; no traceback and nothing written outside the cache."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for suffix, how in cases():
        if suffix in PROGRAMS and shutil.which(PROGRAMS[suffix]) is None:
            continue
        damage(good_archive(sources / f"{how}-p-1.{suffix}", suffix), how, suffix)
    target = sources / "truncated-p-1.tar.gz"
    import hashlib
    chan = tmp_path / "chan"
    (chan / "bad").mkdir(parents=True)
    (chan / "bad" / "pkgs.scm").write_text(PACKAGE.format(
        hash=nix_base32(hashlib.sha256(target.read_bytes()).digest())))
    before = snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "GUIXML_CACHE_DIR": str(tmp_path / "cache")}
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "guixml", "audit", str(chan), "--sources", str(sources),
         "--store", "", *extra], capture_output=True, text=True, env=env)
    table = run()
    assert table.returncode == 0, table.stderr
    assert "Traceback" not in table.stderr + table.stdout
    assert "Sources inspected for 1 of 1 packages" in table.stdout
    assert "problem(s) while reading; first: " + str(sources) in table.stdout
    done = run("--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    import json
    document = json.loads(done.stdout)
    messages = [p["message"] for p in document["problems"]]
    bad = sorted(os.listdir(sources))
    assert len(messages) >= len(bad) - 1  # each archive but the one matched, at least
    for message in messages:
        assert "\n" not in message and message.startswith(str(sources) + "/"), message
    [record] = document["packages"][0]["sources"]
    assert record["verified"] and record["path"] == str(target)
    assert any(w.startswith(str(target)) and "truncated" in w for w in record["warnings"])
    new = {p for p in snapshot(tmp_path) - before if not p.startswith(str(tmp_path / "cache"))}
    assert new == set()
