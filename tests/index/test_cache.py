"""The persistent index cache: keyed on content, reused while files are unchanged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from guixml.index.cache import cache_directory, flush_writes, open_cache
from guixml.index.channel import load_channel

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


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
    store.put_channel("k1", ["(m)"], [], [[]], library=(["(guix x)"], "stamp"))
    assert store.get_channel("k1") == {"modules": ["(m)"], "errors": [], "packages": [],
                                       "library": (["(guix x)"], "stamp")}
    assert store.get_channel("k2") is None
    data = store.channel_path.read_bytes()
    store.channel_path.write_bytes(data[:len(data) // 2])
    assert store.get_channel("k1") is None


def _checkout(root: Path, version: str) -> None:
    """A tree shaped like a Guix checkout: a package module and a library module."""
    (root / "guix").mkdir(parents=True, exist_ok=True)
    (root / "gnu" / "packages").mkdir(parents=True, exist_ok=True)
    (root / "guix" / "fake.scm").write_text(
        f'(define-module (guix fake)\n  #:export (fake-version))\n'
        f'(define fake-version "{version}")\n')
    (root / "gnu" / "packages" / "a.scm").write_text(
        '(define-module (gnu packages a)\n  #:use-module (guix fake))\n'
        '(define-public a (package (name "a") (version fake-version)))\n')


def _version(root: Path, cache: str, jobs: int) -> tuple[str | None, bool]:
    """Package a's version, and whether the whole-channel entry served it."""
    index = load_channel([str(root)], cache_dir=cache, jobs=jobs)
    version = index.package("(gnu packages a)", "a").version
    flush_writes()
    return version, index.channel_key is None


def test_a_changed_library_module_invalidates_the_linked_channel(tmp_path):
    root = tmp_path / "guix"
    _checkout(root, "1.0")
    cache = str(tmp_path / "cache")
    assert _version(root, cache, 1) == ("1.0", False)
    assert _version(root, cache, 1) == ("1.0", True)
    _checkout(root, "2.0")                    # the library module changed
    assert _version(root, cache, 1) == ("2.0", False)
    assert _version(root, cache, 1) == ("2.0", True)
    (root / "guix" / "fake.scm").unlink()     # … and went away
    assert _version(root, cache, 1) == (None, False)
    _checkout(root, "3.0")                    # … and appeared again
    assert _version(root, cache, 1) == ("3.0", False)


def test_library_modules_only_a_linking_worker_used_are_checked_too(tmp_path):
    root = tmp_path / "guix"
    (root / "guix").mkdir(parents=True)
    (root / "gnu" / "packages").mkdir(parents=True)
    (root / "guix" / "fake.scm").write_text(
        "(define-module (guix fake)\n  #:use-module (guix deep)\n"
        "  #:export (fake-version))\n(define fake-version deep-version)\n")

    def deep(version: str) -> None:
        (root / "guix" / "deep.scm").write_text(
            f'(define-module (guix deep)\n  #:export (deep-version))\n'
            f'(define deep-version "{version}")\n')

    deep("1.0")
    for i in range(4):  # linked in two shares; only the second share's use (guix fake)
        uses = "\n  #:use-module (guix fake)" if i >= 2 else ""
        version = "fake-version" if i >= 2 else '"0"'
        (root / "gnu" / "packages" / f"m{i}.scm").write_text(
            f"(define-module (gnu packages m{i}){uses})\n"
            f'(define-public p{i} (package (name "p{i}") (version {version})))\n')
    cache = str(tmp_path / "cache")

    def versions() -> list:
        index = load_channel([str(root)], cache_dir=cache, jobs=2)
        found = [p.version for p in index.packages()]
        flush_writes()
        return found

    assert versions() == ["0", "0", "1.0", "1.0"]
    assert versions() == ["0", "0", "1.0", "1.0"]
    deep("2.0")
    assert versions() == ["0", "0", "2.0", "2.0"]


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace OLD by NEW (as long) in PATH and set its times back, as
    ``touch -d`` or ``rsync -t`` would: only the change time and a hash tell."""
    before = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_an_edit_keeping_size_and_mtime_is_seen_by_its_change_time(tmp_path, monkeypatch):
    import guixml.index.cache as cache_module
    monkeypatch.setattr(cache_module, "RACY_NS", -10**18)  # the stat alone decides here
    channel = tmp_path / "channel"
    shutil.copytree(FIXTURE, channel)
    cache = str(tmp_path / "cache")
    load_channel([str(channel)], cache_dir=cache, jobs=1).packages()
    flush_writes()
    _same_size_edit(channel / "demo" / "other.scm", '"3.0"', '"3.9"')
    index = load_channel([str(channel)], cache_dir=cache, jobs=1)
    assert index.package("(demo other)", "liba").version == "3.9"


def test_a_racily_clean_file_is_hashed_again(tmp_path, monkeypatch):
    # A file system (or tool) that keeps every stamp: a file changed just
    # before its hash was taken is not trusted by its stamp (git's rule).
    import guixml.index.cache as cache_module
    monkeypatch.setattr(cache_module, "stamp_of", lambda st: f"{st.st_size}")
    store = open_cache(str(tmp_path / "cache"))
    a = tmp_path / "a.scm"
    a.write_text("(define x 1)")
    first = store.digest(str(a))
    a.write_text("(define x 2)")
    assert store.digest(str(a)) != first
    monkeypatch.setattr(cache_module, "RACY_NS", -10**18)
    settled = store.digest(str(a))
    a.write_text("(define x 3)")
    assert store.digest(str(a)) == settled  # what the racy rule guards against


def test_a_fresh_clone_of_the_library_finds_the_linked_channel_by_content(tmp_path):
    root = tmp_path / "guix"
    _checkout(root, "1.0")
    cache = str(tmp_path / "cache")
    assert _version(root, cache, 1) == ("1.0", False)
    library = root / "guix" / "fake.scm"
    text = library.read_bytes()
    library.unlink()
    library.write_bytes(text)  # another inode and times, the same content
    assert _version(root, cache, 1) == ("1.0", True)


def test_seen_stamps_cannot_be_planted(tmp_path):
    import sqlite3
    store = open_cache(str(tmp_path / "cache"))
    a = tmp_path / "a.scm"
    a.write_text("(define x 1)")
    store.digest(str(a))
    store.commit()
    db = sqlite3.connect(tmp_path / "cache" / "index.sqlite3")
    db.execute("UPDATE seen SET entry = ?", (b"\0" * 40,))
    db.commit()
    a.write_text("(define x 2)")
    fresh = open_cache(str(tmp_path / "cache"))
    assert fresh.digest(str(a)) == open_cache(str(tmp_path / "other")).digest(str(a))
