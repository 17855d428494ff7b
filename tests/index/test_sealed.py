"""Sealed cache entries (guixml/index/sealed.py): the key and its refusals, the tag."""

from __future__ import annotations

import os
import stat
import time

import pytest

from guixml.index import sealed
from guixml.index.cache import open_cache
from guixml.index.sealed import cache_key, private_directory, seal, unseal


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("GUIXML_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(sealed, "_KEYS", {})
    monkeypatch.setattr(sealed, "_WARNED", set())
    return tmp_path / "config" / "guixml"


def test_a_key_is_made_once_readable_by_its_owner_alone(config):
    key = cache_key()
    assert key is not None and len(key) == 32
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(config / "cache-key").st_mode) == 0o600
    sealed._KEYS.clear()
    assert cache_key() == key  # read back, not made again


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o606])
def test_a_key_open_to_others_is_refused_and_there_is_no_cache(config, mode, tmp_path, capsys):
    cache_key()
    os.chmod(config / "cache-key", mode)
    sealed._KEYS.clear()
    assert cache_key() is None
    assert open_cache(str(tmp_path / "cache")) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cache-key" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_a_key_owned_by_someone_else_is_refused(config, capsys):
    cache_key()
    os.chown(config / "cache-key", 12345, 12345)
    sealed._KEYS.clear()
    assert cache_key() is None
    assert "owned by another user" in capsys.readouterr().err


def test_a_key_directory_writable_by_others_is_refused(config, capsys):
    config.mkdir(parents=True)
    os.chmod(config, 0o777)
    assert cache_key() is None
    assert "key directory" in capsys.readouterr().err


def test_a_key_given_by_the_environment_is_used(config, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_KEY", "a CI secret")
    first = cache_key()
    monkeypatch.setenv("GUIXML_CACHE_KEY", "another")
    assert cache_key() != first and not config.exists()


def test_a_tag_binds_kind_name_and_payload(config):
    entry = seal("summary", "k1", b"payload")
    assert bytes(unseal("summary", "k1", entry)) == b"payload"
    assert unseal("summary", "k2", entry) is None        # moved to another name
    assert unseal("channel", "k1", entry) is None        # … or kind
    assert unseal("summary", "k1", entry[:-1]) is None   # truncated
    assert unseal("summary", "k1", entry[:10]) is None
    assert unseal("summary", "k1", b"x" + entry[1:]) is None
    assert unseal("summary", "k1", 42) is None           # not bytes at all
    assert unseal("summary", "k1", "text") is None


def test_an_entry_sealed_with_another_key_is_a_miss(config, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_KEY", "one")
    entry = seal("audits", "k", b"payload")
    monkeypatch.setenv("GUIXML_CACHE_KEY", "two")
    assert unseal("audits", "k", entry) is None


def test_private_directory_is_made_0700_and_refused_when_open(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sealed, "_WARNED", set())
    made = tmp_path / "a" / "cache"
    assert private_directory(made)
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    os.chmod(made, 0o770)
    assert not private_directory(made)
    os.chmod(made, 0o702)
    assert not private_directory(made)
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one warning, once


def test_tagging_the_linked_channel_is_fast(config):
    # A whole-channel entry of Guix is ~27 MB: the tag must stay a small part
    # of a warm load (no test asserts a time; this one prints it, -s).
    payload = os.urandom(1 << 20) * 27
    started = time.perf_counter()
    entry = seal("channel", "k", payload)
    assert unseal("channel", "k", entry) is not None
    print(f"seal + unseal of 27 MB: {time.perf_counter() - started:.3f} s")
