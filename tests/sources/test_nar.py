"""The NAR hash against Guix's own write-file (Guile) and fixed values."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from _guile import guile_nar_hashes
from guixml.sources.common import nix_base32
from guixml.sources.nar import NarError, nar_file_prefix, nar_file_suffix, nar_hash, \
    nar_serialise


def make_sample(root: Path) -> Path:
    tree = root / "d"
    (tree / "sub").mkdir(parents=True)
    (tree / "a").write_text("hi\n")
    (tree / "a").chmod(0o644)
    (tree / "sub" / "b").write_bytes(b"x" * 13)
    (tree / "sub" / "b").chmod(0o755)
    os.symlink("../a", tree / "sub" / "l")
    return tree


def s(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data + bytes((-len(data)) % 8)


def test_sample_tree_has_the_value_guix_gives(tmp_path: Path) -> None:
    # Computed with Guix's write-file (guix/serialization.scm) and guile-gcrypt.
    tree = make_sample(tmp_path)
    assert nix_base32(nar_hash(tree)) == "168hbjlpjx2fji3xfq33dkfw061g8wi77paa4rdvc0aj75s1q2bc"
    assert nix_base32(nar_hash(tree / "a")) == \
        "1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h"


def test_bytes_of_a_small_tree(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "f").write_bytes(b"abc")
    (tree / "f").chmod(0o644)
    os.symlink("f", tree / "e")
    out: list[bytes] = []
    nar_serialise(tree, out.append)
    expected = (s(b"nix-archive-1") + s(b"(") + s(b"type") + s(b"directory")
                + s(b"entry") + s(b"(") + s(b"name") + s(b"e") + s(b"node")
                + s(b"(") + s(b"type") + s(b"symlink") + s(b"target") + s(b"f") + s(b")")
                + s(b")")
                + s(b"entry") + s(b"(") + s(b"name") + s(b"f") + s(b"node")
                + s(b"(") + s(b"type") + s(b"regular") + s(b"contents") + s(b"abc") + s(b")")
                + s(b")") + s(b")"))
    assert b"".join(out) == expected


def test_lone_file_prefix_and_suffix_agree_with_the_walk(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"hello world")
    path.chmod(0o755)
    data = path.read_bytes()
    digest = hashlib.sha256(nar_file_prefix(len(data), True) + data
                            + nar_file_suffix(len(data))).digest()
    assert digest == nar_hash(path)


def test_fifo_is_refused_with_its_path(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    os.mkfifo(tree / "pipe")
    with pytest.raises(NarError) as caught:
        nar_hash(tree)
    assert str(tree / "pipe") in str(caught.value) and "fifo" in str(caught.value)


def test_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    path = tmp_path / "deep"
    current = path
    current.mkdir()
    for _ in range(1200):
        current = current / "d"
        os.mkdir(current)
    try:
        assert len(nar_hash(path)) == 32
    finally:  # bottom up: pytest's own clean-up recurses
        while current != path.parent:
            os.rmdir(current)
            current = current.parent


def test_symlink_loop_is_only_a_pair_of_links(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    os.symlink("b", tree / "a")
    os.symlink("a", tree / "b")
    assert len(nar_hash(tree)) == 32


names = st.text(st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)),
                min_size=1, max_size=12).filter(lambda n: n not in (".", ".."))
nodes = st.recursive(
    st.one_of(st.tuples(st.just("file"), st.binary(max_size=300), st.booleans()),
              st.tuples(st.just("link"), names)),
    lambda children: st.tuples(st.just("dir"), st.dictionaries(names, children, max_size=5)),
    max_leaves=12)


def build(path: Path, node: tuple) -> None:
    if node[0] == "file":
        path.write_bytes(node[1])
        path.chmod(0o755 if node[2] else 0o644)
    elif node[0] == "link":
        os.symlink(node[1], path)
    else:
        path.mkdir()
        for name, child in node[1].items():
            build(path / name, child)


@pytest.mark.guile
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trees=st.lists(st.tuples(st.just("dir"), st.dictionaries(names, nodes, max_size=6)),
                      min_size=1, max_size=10))
def test_agrees_with_guix_write_file(tmp_path_factory: pytest.TempPathFactory,
                                     trees: list[tuple]) -> None:
    root = tmp_path_factory.mktemp("nar")
    paths = []
    for index, tree in enumerate(trees):
        build(root / str(index), tree)
        paths.append(str(root / str(index)))
    assert guile_nar_hashes(paths, root) == [nix_base32(nar_hash(p)) for p in paths]
