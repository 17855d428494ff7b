"""The persistent index cache: keyed on content, reused while files are unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from guixml.cache import cache_directory, flush_writes, open_cache
from guixml.index import load_channel

FIXTURE = Path(__file__).parent / "fixtures" / "channel-model"


def test_cache_directory_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "c"))
    assert cache_directory() == tmp_path / "c"
    monkeypatch.delenv("GUIXML_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "guixml"


def test_warm_index_equals_cold_and_changes_invalidate(tmp_path):
    channel = tmp_path / "channel"
    shutil.copytree(FIXTURE, channel)
    cache = str(tmp_path / "cache")
    cold = load_channel([str(channel)], cache_dir=cache, jobs=1)
    cold_packages = list(cold.packages())
    warm = load_channel([str(channel)], cache_dir=cache, jobs=1)
    assert warm.channel_key is None  # served from the whole-channel entry
    assert list(warm.packages()) == cold_packages
    assert warm.errors == cold.errors
    other = channel / "demo" / "other.scm"
    other.write_text(other.read_text().replace('"3.0"', '"3.1"'))
    changed = load_channel([str(channel)], cache_dir=cache, jobs=1)
    assert changed.package("(demo other)", "liba").version == "3.1"
    assert changed.package("(demo hard)", "imported").version == "3.1"


def test_summaries_are_keyed_on_content(tmp_path):
    store = open_cache(str(tmp_path / "cache"))
    assert store is not None
    a = tmp_path / "a.scm"
    a.write_text("(define x 1)")
    key = store.key(str(a), "a.scm")
    b = tmp_path / "b.scm"
    b.write_text("(define x 1)")
    assert store.key(str(b), "a.scm") == key
    a.write_text("(define x 2)")
    assert store.key(str(a), "a.scm") != key


def test_unusable_cache_directory_is_ignored(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert open_cache(str(blocker / "sub")) is None
    index = load_channel([str(FIXTURE)], cache_dir=str(blocker / "sub"), jobs=1)
    assert index.package("(demo base)", "libfoo") is not None


def test_channel_linked_in_shares_is_written_in_the_background_and_read_back(tmp_path):
    channel = tmp_path / "channel"
    shutil.copytree(FIXTURE, channel)
    cache = str(tmp_path / "cache")
    cold = load_channel([str(channel)], cache_dir=cache, jobs=2)
    cold_packages = list(cold.packages())  # two shares, written by a thread
    flush_writes()
    store = open_cache(cache)
    entry = store.get_channel(cold.channel_key)
    assert entry is not None and len(entry["packages"]) == len(cold_packages)
    # A new load in the same process waits for the write, then is served by it.
    warm = load_channel([str(channel)], cache_dir=cache, jobs=1)
    assert warm.channel_key is None
    assert list(warm.packages()) == cold_packages


def test_channel_entry_of_another_key_or_torn_is_a_miss(tmp_path):
    store = open_cache(str(tmp_path / "cache"))
    store.put_channel("k1", ["(m)"], [], [[]])
    assert store.get_channel("k1") == {"modules": ["(m)"], "errors": [], "packages": []}
    assert store.get_channel("k2") is None
    data = store.channel_path.read_bytes()
    store.channel_path.write_bytes(data[:len(data) // 2])
    assert store.get_channel("k1") is None
