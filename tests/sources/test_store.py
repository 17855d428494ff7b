"""Store paths against an independent Guile computation of Guix's algorithm,
and lookup in a fake store built at those paths."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from _guile import guile_store_paths
from guixml.sources.common import Wanted, nix_base32
from guixml.sources.nar import nar_hash
from guixml.sources.store import fixed_output_path, lookup_store, method_spec, origin_item, \
    origin_name


def test_known_path_of_hello() -> None:
    # guix build -S hello (hello 2.12.1, flat sha256 of the tarball).
    wanted = Wanted("hello", "2.12.1", "url-fetch", ("mirror://gnu/hello/hello-2.12.1.tar.gz",),
                    sha256="086vqwk2wl8zfs47sq2xpjc9k066ilmb8z6dn0q6ymwjzlm196cd")
    item = origin_item(wanted)
    assert item is not None
    assert item.path == "/gnu/store/3dq55rw99wdc4g4wblz7xikc8a2jy7a3-hello-2.12.1.tar.gz"


def test_names_follow_the_methods() -> None:
    def name(method: str, **fields: object) -> str | None:
        return origin_name(Wanted("p", "1", method, **fields))  # type: ignore[arg-type]

    assert name("url-fetch", uris=("https://x.org/a/p-1.tar.gz",)) == "p-1.tar.gz"
    assert name("url-fetch/tarbomb", uris=("https://x.org/p-1.tar.gz",)) == "tarbomb-p-1.tar.gz"
    assert name("url-fetch/zipbomb", uris=("https://x.org/p.zip",), file_name="q.zip") \
        == "zipbomb-q.zip"
    assert name("git-fetch") == "git-checkout"
    assert name("git-fetch", file_name="p-1-checkout") == "p-1-checkout"
    assert name("hg-fetch") == "hg-checkout"
    assert name("svn-fetch") == "svn-checkout"
    assert name("computed-origin-method") is None
    assert method_spec("url-fetch").recursive is False  # type: ignore[union-attr]
    assert method_spec("git-fetch").recursive is True  # type: ignore[union-attr]
    assert method_spec("url-fetch/executable").recursive is True  # type: ignore[union-attr]


store_names = st.text("abcdefghijklmnopqrstuvwxyz0123456789+-._?=", min_size=1, max_size=40) \
    .filter(lambda n: not n.startswith("."))


@pytest.mark.guile
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["/gnu/store", "/tmp/s", "/var/guix/store"]),
                               store_names, st.binary(min_size=32, max_size=32), st.booleans()),
                     min_size=1, max_size=30))
def test_agrees_with_guile(tmp_path_factory: pytest.TempPathFactory,
                           rows: list[tuple[str, str, bytes, bool]]) -> None:
    tmp = tmp_path_factory.mktemp("store")
    expected = guile_store_paths(rows, tmp)
    assert expected == [fixed_output_path(name, digest, recursive=rec, store_dir=store)
                        for store, name, digest, rec in rows]


@pytest.mark.guile
def test_lookup_finds_what_sits_at_guiles_paths(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    payload = tmp_path / "payload"
    payload.write_bytes(b"tarball bytes")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "README").write_text("read me\n")
    flat = hashlib.sha256(payload.read_bytes()).digest()
    tree = nar_hash(checkout)
    url = Wanted("p", "1", "url-fetch", ("https://example.org/p-1.tar.gz",),
                 sha256=nix_base32(flat), where="p.scm:3:4")
    git = Wanted("q", "2", "git-fetch", ("https://example.org/q.git",), commit="v2",
                 sha256=nix_base32(tree), file_name="q-2-checkout", where="q.scm:5:6")
    missing = Wanted("r", "3", "git-fetch", ("https://example.org/r.git",), commit="v3",
                     sha256=nix_base32(b"\1" * 32), where="r.scm:1:0")
    paths = guile_store_paths([(str(store), "p-1.tar.gz", flat, False),
                               (str(store), "q-2-checkout", tree, True)], tmp_path)
    os.replace(payload, paths[0])
    os.replace(checkout, paths[1])
    found, warnings = lookup_store([url, git, missing], str(store))
    assert warnings == []
    assert [(item.wanted.package, item.path, item.verified, item.how) for item in found] == [
        ("p", paths[0], True, "store"), ("q", paths[1], True, "store")]


def test_unreadable_and_wrong_store_items_are_located_warnings(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    good = nix_base32(b"\2" * 32)
    bad_tree = Wanted("q", "2", "git-fetch", ("u",), commit="c", sha256=good,
                      file_name="q-checkout", where="q.scm:5:6")
    item = origin_item(bad_tree, str(store))
    assert item is not None
    Path(item.path).mkdir()
    os.mkfifo(Path(item.path) / "fifo")  # no NAR: cannot be read as a source
    wrong = Wanted("p", "1", "url-fetch", ("https://e.org/p.tar",), sha256=good,
                   where="p.scm:1:2")
    wrong_item = origin_item(wrong, str(store))
    assert wrong_item is not None
    Path(wrong_item.path).write_bytes(b"not the declared bytes")
    found, warnings = lookup_store([bad_tree, wrong, Wanted("x", "1", "computed-origin-method",
                                                            where="x.scm:9:0")], str(store))
    assert found == []
    assert [(w.where, w.kind) for w in warnings] == [
        ("q.scm:5:6", "warning"), ("p.scm:1:2", "hash-mismatch"), ("x.scm:9:0", "warning")]
    assert "cannot be read" in warnings[0].message and "fifo" in warnings[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_item(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    wanted = Wanted("q", "2", "git-fetch", ("u",), commit="c", sha256=nix_base32(b"\3" * 32),
                    where="q.scm:1:1")
    item = origin_item(wanted, str(store))
    assert item is not None
    Path(item.path).mkdir()
    (Path(item.path) / "f").write_text("x")
    os.chmod(item.path, 0)
    try:
        found, warnings = lookup_store([wanted], str(store))
    finally:
        os.chmod(item.path, 0o755)
    assert found == [] and warnings[0].where == "q.scm:1:1"
