"""--sources: matching by content, the hash cache, and hostile archives."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import guixml.sources.hashes as hashes_module
from guixml.sources.archive import Limits, unpacked_nar_hash
from guixml.sources.common import Wanted, nix_base32
from guixml.sources.hashes import HashCache, item_hashes
from guixml.sources.locate import locate_sources, name_matches
from guixml.sources.nar import nar_hash
from test_nar import build, make_sample, nodes, names


def tar_of(tree: Path, out: Path, mode: str) -> Path:
    with tarfile.open(out, mode) as archive:
        archive.add(tree, arcname=tree.name)
    return out


@pytest.mark.parametrize("mode,suffix", [("w", ".tar"), ("w:gz", ".tar.gz"),
                                         ("w:bz2", ".tar.bz2"), ("w:xz", ".tar.xz")])
def test_unpacked_hash_is_the_trees(tmp_path: Path, mode: str, suffix: str) -> None:
    tree = make_sample(tmp_path)
    archive = tar_of(tree, tmp_path / f"d{suffix}", mode)
    unpacked = unpacked_nar_hash(archive, tmp_path / "scratch")
    assert unpacked is not None and unpacked.top == "d"
    assert unpacked.digest == nar_hash(tree)


def test_zip_unpacked_hash_is_the_trees(tmp_path: Path) -> None:
    tree = make_sample(tmp_path)
    path = tmp_path / "d.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(tree.rglob("*")):
            name = str(file.relative_to(tmp_path))
            if file.is_symlink():
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (0o120777 << 16)
                archive.writestr(info, os.readlink(file))
            elif file.is_dir():
                archive.write(file, name + "/")
            else:
                archive.write(file, name)
    unpacked = unpacked_nar_hash(path, tmp_path / "scratch")
    assert unpacked is not None and unpacked.digest == nar_hash(tree)


def test_zip_members_with_permission_bits_only_are_regular_files(tmp_path: Path) -> None:
    """Python's zipfile (writestr, open "w") records 0o600 with no file type:
    unzip makes a regular file of it, and so does the unpacked tree here."""
    path = tmp_path / "d.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("d/a.txt", b"alpha\n")
        with archive.open("d/sub/b.bin", "w") as member:
            member.write(b"beta")
    assert (zipfile.ZipFile(path).getinfo("d/a.txt").external_attr >> 16) == 0o600
    tree = tmp_path / "tree" / "d"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_bytes(b"alpha\n")
    (tree / "sub" / "b.bin").write_bytes(b"beta")
    unpacked = unpacked_nar_hash(path, tmp_path / "scratch")
    assert unpacked is not None and unpacked.digest == nar_hash(tree)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.tuples(st.just("dir"), st.dictionaries(names, nodes, max_size=6)))
def test_any_tree_round_trips_through_tar(tmp_path_factory: pytest.TempPathFactory,
                                          tree: tuple) -> None:
    root = tmp_path_factory.mktemp("t")
    build(root / "top", tree)
    archive = tar_of(root / "top", root / "top.tar.gz", "w:gz")
    unpacked = unpacked_nar_hash(archive, root / "scratch")
    assert unpacked is not None and unpacked.digest == nar_hash(root / "top")


def test_locate_by_content_and_by_name(tmp_path: Path) -> None:
    tree = make_sample(tmp_path)
    sources = tmp_path / "sources"
    sources.mkdir()
    archive = tar_of(tree, sources / "pkg_1.0.orig.tar.gz", "w:gz")
    checkout = sources / "other-checkout"
    build(checkout, ("dir", {"x": ("file", b"x", False)}))
    (sources / "mirror" / "gnu").mkdir(parents=True)
    flat = sources / "mirror" / "gnu" / "tool-2.tar"
    flat.write_bytes(archive.read_bytes()[:0] + b"flat bytes")
    (sources / "lone-3.0.tar.gz").write_bytes(b"some other release")
    git = Wanted("pkg", "1.0", "git-fetch", ("https://e.org/pkg",), commit="v1.0",
                 sha256=nix_base32(nar_hash(tree)), where="a.scm:1:2")
    dirwanted = Wanted("other", "0", "git-fetch", ("https://e.org/o",), commit="c",
                       sha256=nix_base32(nar_hash(checkout)), where="a.scm:3:2")
    url = Wanted("tool", "2", "url-fetch", ("mirror://gnu/tool/tool-2.tar",),
                 sha256=item_hashes(flat)["sha256"], where="a.scm:5:2")
    lone = Wanted("python-lone", "3.0", "url-fetch", ("https://e.org/lone-3.0.tar.gz",),
                  sha256=nix_base32(b"\0" * 32), where="a.scm:7:2")
    absent = Wanted("none", "9", "url-fetch", ("https://e.org/none-9.tgz",),
                    sha256=nix_base32(b"\1" * 32), where="a.scm:9:2")
    found, warnings = locate_sources([git, dirwanted, url, lone, absent], [sources],
                                     cache_dir=tmp_path / "cache")
    assert warnings == []
    got = {item.wanted.package: (os.path.basename(item.path), item.how, item.verified,
                                 item.member) for item in found}
    assert got == {"pkg": ("pkg_1.0.orig.tar.gz", "sources", True, "d"),
                   "other": ("other-checkout", "sources", True, None),
                   "tool": ("tool-2.tar", "sources", True, None),
                   "python-lone": ("lone-3.0.tar.gz", "name", False, None)}


def test_name_matching() -> None:
    wanted = Wanted("r-e1071", "1.7-17", "url-fetch", ("mirror://cran/e1071_1.7-17.tar.gz",))
    assert name_matches(wanted, "e1071_1.7-17.tar.gz")
    assert name_matches(wanted, "r-cran-e1071_1.7-17.orig.tar.gz")
    assert not name_matches(wanted, "r-cran-e1071_1.7-16.orig.tar.gz")
    assert name_matches(Wanted("stockfish", "18", "git-fetch"), "stockfish_18.orig.tar.gz")
    assert not name_matches(Wanted("stockfish", "18", "git-fetch"), "stockfish_180.tar.gz")


def test_cache_saves_rereading_and_sees_changes(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = hashes_module._file_hashes

    def counting(path: str, info: os.stat_result) -> dict[str, str]:
        calls.append(path)
        return real(path, info)

    monkeypatch.setattr(hashes_module, "_file_hashes", counting)
    path = tmp_path / "f.txt"
    path.write_text("one")
    old = time.time_ns() - 10_000_000_000
    os.utime(path, ns=(old, old))
    cache_file = tmp_path / "cache" / "hashes.json"
    first = item_hashes(path, HashCache(cache_file))
    cache = HashCache(cache_file)
    cache.dirty = True
    cache.save()
    cache = HashCache(cache_file)
    assert cache.entries == {}  # the first cache was never saved
    cache = HashCache(cache_file)
    item_hashes(path, cache)
    cache.save()
    assert item_hashes(path, HashCache(cache_file)) == first and len(calls) == 2
    path.write_text("two")
    os.utime(path, ns=(old, old))
    assert item_hashes(path, HashCache(cache_file)) != first and len(calls) == 3


def test_racily_clean_entry_is_hashed_again(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = hashes_module._file_hashes
    monkeypatch.setattr(hashes_module, "_file_hashes",
                        lambda p, i: calls.append(p) or real(p, i))
    path = tmp_path / "f"
    path.write_text("x")
    future = time.time_ns() + 3600 * 10**9  # mtime not older than the entry
    os.utime(path, ns=(future, future))
    cache = HashCache(tmp_path / "h.json")
    item_hashes(path, cache)
    item_hashes(path, cache)
    assert len(calls) == 2


def test_directory_entry_sees_a_change_deep_inside(tmp_path: Path) -> None:
    tree = make_sample(tmp_path)
    old = time.time_ns() - 10_000_000_000
    for node in [tree, *tree.rglob("*")]:
        os.utime(node, ns=(old, old), follow_symlinks=False)
    cache = HashCache(tmp_path / "h.json")
    before = item_hashes(tree, cache)["nar"]
    (tree / "sub" / "b").write_bytes(b"changed")
    assert item_hashes(tree, cache)["nar"] != before


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[1, 2]", b'{"version": 1, "entries": []}',
    json.dumps({"version": 1, "entries": {"/x\u0000a": {"stamp": "evil", "started_ns": 0,
                                                        "hashes": {}}}}).encode(),
    json.dumps({"version": 1, "entries": {"/x": {"stamp": [1, 2, 3, 4, 5], "started_ns": 0,
                                                 "hashes": {"__reduce__": "os.system"}}}}).encode(),
    b"[" * 100000,
])
def test_damaged_or_hostile_cache_is_a_miss(tmp_path: Path, content: bytes) -> None:
    cache_file = tmp_path / "h.json"
    cache_file.write_bytes(content)
    path = tmp_path / "f"
    path.write_text("x")
    assert item_hashes(path, HashCache(cache_file))["sha256"]


# --- bad archives -------------------------------------------------------------------

def _tar_with(members: list[tuple[tarfile.TarInfo, bytes]], path: Path, mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = 0o644
    return info


def snapshot(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def run_bad(tmp_path: Path, make) -> tuple[list, list]:
    sources = tmp_path / "sources"
    sources.mkdir()
    make(sources)
    outside = tmp_path.parent
    before = snapshot(tmp_path)
    siblings = set(os.listdir(outside))
    found, warnings = locate_sources(
        [Wanted("p", "1", "git-fetch", ("u",), commit="c", sha256=nix_base32(b"\0" * 32),
                where="p.scm:1:0")],
        [sources], cache_dir=tmp_path / "cache", limits=Limits(max_bytes=1 << 20))
    after = snapshot(tmp_path)
    assert {p for p in after - before if not p.startswith(str(tmp_path / "cache"))} == set()
    assert set(os.listdir(outside)) == siblings
    assert all(not w.where.startswith(str(tmp_path / "cache")) for w in warnings)
    return found, warnings


def test_corrupt_gzip(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        good = _tar_with([(_info("p/a"), b"x" * 5000)], d / "good.tar.gz")
        (d / "bad.tar.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
        data = good.read_bytes()
        (d / "cut.tar.gz").write_bytes(data[: len(data) // 2])
    _, warnings = run_bad(tmp_path, make)
    wheres = sorted(os.path.basename(w.where) for w in warnings)
    assert wheres == ["bad.tar.gz", "cut.tar.gz"]
    assert all("corrupt or truncated" in w.message for w in warnings)


def test_truncated_plain_tar(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        good = _tar_with([(_info("p/a"), b"y" * 20000)], d / "t.tar", "w")
        data = good.read_bytes()
        good.write_bytes(data[:5000])
    _, warnings = run_bad(tmp_path, make)
    assert len(warnings) == 1 and "truncated" in warnings[0].message


def test_zip_bomb(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        with zipfile.ZipFile(d / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for index in range(3):
                archive.writestr(f"b/{index}", b"\0" * (1 << 20))
    _, warnings = run_bad(tmp_path, make)
    assert len(warnings) == 1 and "zip bomb" in warnings[0].message


def test_tar_bomb_over_the_bound(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        _tar_with([(_info("p/zeros"), b"\0" * (3 << 20))], d / "big.tar.xz", "w:xz")
    _, warnings = run_bad(tmp_path, make)
    assert len(warnings) == 1 and "more than" in warnings[0].message


def test_path_traversal_and_links_out(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        _tar_with([(_info("p/ok"), b"ok"), (_info("../evil"), b"evil"),
                   (_info("p/../../evil2"), b"evil"), (_info("/abs/evil3"), b"abs"),
                   (_info("p/out", tarfile.SYMTYPE, "../../../../etc"), b""),
                   (_info("p/out/passwd"), b"through the link"),
                   (_info("p/hard", tarfile.LNKTYPE, "/etc/passwd"), b"")],
                  d / "evil.tar.gz")
    _, warnings = run_bad(tmp_path, make)
    messages = [(w.where.split("!/")[-1], w.message) for w in warnings]
    assert [m[0] for m in messages] == ["../evil", "p/../../evil2", "p/out/passwd", "p/hard"]
    assert not (tmp_path.parent / "evil").exists()


def test_symlink_loop_in_archive_and_tree(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        _tar_with([(_info("p/a", tarfile.SYMTYPE, "b"), b""),
                   (_info("p/b", tarfile.SYMTYPE, "a"), b""),
                   (_info("p/a/x"), b"under a loop")], d / "loop.tar.gz")
        loop = d / "loopdir"
        loop.mkdir()
        os.symlink("y", loop / "x")
        os.symlink("x", loop / "y")
        os.symlink(".", loop / "self")
    _, warnings = run_bad(tmp_path, make)
    assert [w.where.split("!/")[-1] for w in warnings] == ["p/a/x"]


def test_device_member(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        _tar_with([(_info("p/null", tarfile.CHRTYPE), b"")], d / "dev.tar.gz")
    _, warnings = run_bad(tmp_path, make)
    assert len(warnings) == 1 and "device" in warnings[0].message
    assert warnings[0].where.endswith("dev.tar.gz!/p/null")


def test_unreadable_directory_in_sources(tmp_path: Path) -> None:
    def make(d: Path) -> None:
        os.mkfifo(d / "pipe")
        (d / "dir").mkdir()
        os.mkfifo(d / "dir" / "pipe")
    found, warnings = run_bad(tmp_path, make)
    assert [os.path.basename(w.where) for w in warnings] == ["pipe"]
    assert "fifo" in warnings[0].message


def test_a_planted_hash_cache_is_not_believed(tmp_path: Path) -> None:
    """A well-formed cache that lies about a file's hash (written by someone
    without the cache key) is a miss: the file is hashed again."""
    path = tmp_path / "f"
    path.write_text("x")
    old = time.time_ns() - 10_000_000_000
    os.utime(path, ns=(old, old))
    truth = item_hashes(path, HashCache(tmp_path / "scratch.json"))
    info = os.lstat(path)
    lie = {"sha256": "0" * 52, "nar": "0" * 52}
    document = json.dumps({"version": hashes_module.CACHE_VERSION, "entries": {
        f"{path}\0a": {"stamp": hashes_module._stat_key(info), "started_ns": time.time_ns(),
                       "hashes": lie}}}).encode()
    cache_file = tmp_path / "h.json"
    cache_file.write_bytes(document)
    assert item_hashes(path, HashCache(cache_file)) == truth
    # The same entry sealed with the key (as guixml writes it) is believed:
    # the planted one failed on its seal alone.
    from guixml.index import seal
    cache_file.write_bytes(seal("hashes", "hashes.json", document))
    assert item_hashes(path, HashCache(cache_file)) == lie
