"""`guixml audit` over a cache planted, damaged or not its owner's: no code
runs, nothing planted is believed, and the output is that of ``--no-cache``
with at most one warning."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

import guixml.report.cache as report_cache
from guixml.cli import main
from guixml.index import sealed
from guixml.index.cache import Cache, flush_writes

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channel"


class Planted:
    """A pickle that would run a shell command when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GUIX_SOURCE", raising=False)
    monkeypatch.setattr(sealed, "_WARNED", set())
    # The copied tree is new: its report is stored at once (racy rule: its own test).
    monkeypatch.setattr(report_cache, "RACY_NS", -10**18)
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    return channel, tmp_path / "cache"


def audit(capsys, channel, *args):
    code = main(["audit", str(channel), "--format", "json", *args])
    flush_writes()
    out, err = capsys.readouterr()
    return code, out, err


def expected(capsys, channel):
    code, out, err = audit(capsys, channel, "--no-cache")
    assert err == ""
    return code, out


def evil(marker: Path) -> bytes:
    return pickle.dumps(Planted(marker))


def warnings(err: str) -> int:
    return err.count("\n")


# -- planted entries ---------------------------------------------------------------

def test_planted_entries_of_every_kind_run_nothing_and_are_not_believed(
        capsys, env, tmp_path):
    channel, cache = env
    want = expected(capsys, channel)
    assert audit(capsys, channel)[:2] == want  # cold: every kind of entry written
    marker = tmp_path / "MARKER"
    payload = evil(marker)
    db = sqlite3.connect(cache / "index.sqlite3")
    rows = db.execute("SELECT key FROM summary").fetchall()
    assert rows
    db.execute("UPDATE summary SET blob = ?", (payload,))                 # unsealed
    db.commit()
    db.close()
    for name in ("channel.marshal", "audits.pickle"):
        path = cache / name
        key = path.read_bytes().split(b"\n", 1)[0]
        path.write_bytes(key + b"\n" + b"\0" * 32 + payload)             # a forged tag
    for report in (cache / "reports").glob("*.report"):
        report.write_bytes(b"\0" * 32 + (2).to_bytes(8, "big") + b"{}" + b"PLANTED\n")
    code, out, err = audit(capsys, channel)
    assert (code, out) == want and err == ""
    assert "PLANTED" not in out
    assert not marker.exists()
    # Every entry was rewritten, sealed again: the next run is served from them.
    assert audit(capsys, channel)[:2] == want
    assert not marker.exists()


def test_a_planted_report_does_not_set_the_exit_status(capsys, env, monkeypatch):
    channel, cache = env
    games = channel / "example" / "packages" / "games.scm"
    games.write_text(games.read_text() + "(define-public broken\n")   # unreadable: exit 2
    code, _, _ = audit(capsys, channel)
    assert code == 2
    for report in (cache / "reports").glob("*.report"):
        meta = b'{"levels": [], "unreadable": 0}'
        report.write_bytes(b"\1" * 32 + len(meta).to_bytes(8, "big") + meta + b"all clear\n")
    # An entry of the old, unsealed layout beside it is ignored too.
    for report in (cache / "reports").glob("*.report"):
        report.with_suffix(".txt").write_bytes(b"all clear\n")
        report.with_suffix(".json").write_bytes(b'{"levels": [], "unreadable": 0}')
    code, out, _ = audit(capsys, channel)
    assert code == 2 and "all clear" not in out


def test_a_cache_of_another_key_is_a_miss(capsys, env, monkeypatch):
    # As a forge cache restored into CI without GUIXML_CACHE_KEY set.
    channel, cache = env
    want = expected(capsys, channel)
    monkeypatch.setenv("GUIXML_CACHE_KEY", "the secret of yesterday's job")
    assert audit(capsys, channel)[:2] == want
    monkeypatch.setenv("GUIXML_CACHE_KEY", "another")
    hits = []
    real = Cache.get_channel
    monkeypatch.setattr(Cache, "get_channel",
                        lambda self, key: hits.append(real(self, key)) or hits[-1])
    assert audit(capsys, channel)[:2] == want
    assert hits == [None]


# -- a damaged cache ------------------------------------------------------------------

def _garbage_database(cache: Path) -> None:
    (cache / "index.sqlite3").write_bytes(b"not a database, " * 512)


def _garbage_with_wal_and_shm(cache: Path) -> None:
    _garbage_database(cache)
    (cache / "index.sqlite3-wal").write_bytes(os.urandom(4096))
    (cache / "index.sqlite3-shm").write_bytes(os.urandom(32768))


def _half_written_database(cache: Path) -> None:
    path = cache / "index.sqlite3"
    path.write_bytes(path.read_bytes()[:3000])


def _rows(statement: str):
    def damage(cache: Path) -> None:
        db = sqlite3.connect(cache / "index.sqlite3")
        db.execute(statement)
        db.commit()
        db.close()
    return damage


def _torn_files(cache: Path) -> None:
    for name in ("channel.marshal", "audits.pickle"):
        data = (cache / name).read_bytes()
        (cache / name).write_bytes(data[:len(data) // 2])


def _stale_temporaries(cache: Path) -> None:
    for directory in (cache, cache / "reports"):
        leftover = directory / ".index.sqlite3.abc123.tmp"
        leftover.write_bytes(b"half")
        os.utime(leftover, (1_000_000, 1_000_000))


DAMAGE = {
    "garbage database": _garbage_database,
    "garbage database with -wal and -shm": _garbage_with_wal_and_shm,
    "half-written database": _half_written_database,
    "truncated blobs": _rows("UPDATE summary SET blob = substr(blob, 1, length(blob) / 2)"),
    "blobs of the wrong type": _rows("UPDATE summary SET blob = 42"),
    "text for blobs": _rows("UPDATE summary SET blob = 'text'"),
    "wrong seen rows": _rows("UPDATE seen SET entry = x'00'"),
    "torn one-entry files": _torn_files,
    "stale temporaries": _stale_temporaries,
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_cache_is_a_miss(capsys, env, damage):
    channel, cache = env
    want = expected(capsys, channel)
    assert audit(capsys, channel)[:2] == want
    for report in (cache / "reports").glob("*.report"):
        report.unlink()  # so that the index caches answer
    DAMAGE[damage](cache)
    code, out, err = audit(capsys, channel)
    assert (code, out) == want and warnings(err) <= 1
    assert audit(capsys, channel) == (*want, "")  # rewritten: no warning left
    assert not list(cache.glob(".*.tmp")) and not list((cache / "reports").glob(".*.tmp"))


def test_a_fresh_temporary_is_left_to_the_run_writing_it(env):
    _, cache = env
    cache.mkdir(mode=0o700)
    fresh = cache / ".channel.marshal.x.tmp"
    fresh.write_bytes(b"being written")
    Cache(cache)
    assert fresh.exists()


def test_a_full_disk_is_no_error(capsys, env, monkeypatch):
    channel, cache = env
    want = expected(capsys, channel)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    import guixml.atomic
    monkeypatch.setattr(guixml.atomic, "write_bytes_atomic", full)
    monkeypatch.setattr(report_cache, "write_bytes_atomic", full)
    connect = Cache._connect

    def small(self):
        db = connect(self)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite: "database or disk is full"
        return db

    monkeypatch.setattr(Cache, "_connect", small)
    code, out, err = audit(capsys, channel)
    assert (code, out) == want and warnings(err) == 1
    assert "full" in err or "space" in err


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                    reason="a small file system needs root")
def test_a_really_full_disk_is_no_error(capsys, env):
    channel, cache = env
    want = expected(capsys, channel)
    cache.mkdir(mode=0o700)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "none", str(cache)],
                      capture_output=True).returncode:
        pytest.skip("cannot mount here")
    try:
        code, out, err = audit(capsys, channel)
        assert (code, out) == want and warnings(err) <= 1
        assert audit(capsys, channel)[:2] == want
    finally:
        subprocess.run(["umount", str(cache)], check=True)


def test_a_read_only_cache_directory_is_no_error(capsys, env):
    channel, cache = env
    want = expected(capsys, channel)
    cache.mkdir(mode=0o700)
    mounted = False
    if os.geteuid() == 0:  # root writes anywhere: a read-only file system then
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,mode=0700", "none",
                                  str(cache)], capture_output=True).returncode == 0
        if not mounted:
            pytest.skip("cannot mount here")
    else:
        os.chmod(cache, 0o500)
    try:
        code, out, err = audit(capsys, channel)
        assert (code, out) == want and warnings(err) <= 1
    finally:
        if mounted:
            subprocess.run(["umount", str(cache)], check=True)
        else:
            os.chmod(cache, 0o700)


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "foreign"])
def test_a_cache_directory_not_its_owners_is_refused(capsys, env, tmp_path, how):
    channel, cache = env
    want = expected(capsys, channel)
    assert audit(capsys, channel)[:2] == want
    if how == "foreign":
        if os.geteuid() != 0:
            pytest.skip("giving a directory away needs root")
        os.chown(cache, 12345, 12345)
    else:
        os.chmod(cache, 0o770 if how == "group-writable" else 0o707)
    marker = tmp_path / "MARKER"
    db = sqlite3.connect(cache / "index.sqlite3")
    db.execute("UPDATE summary SET blob = ?", (evil(marker),))
    db.commit()
    db.close()
    code, out, err = audit(capsys, channel)
    assert (code, out) == want and warnings(err) == 1
    assert str(cache) in err and not marker.exists()


def test_the_cache_directory_is_made_0700(capsys, env):
    channel, cache = env
    audit(capsys, channel)
    assert os.stat(cache).st_mode & 0o777 == 0o700
    assert os.stat(cache / "reports").st_mode & 0o777 == 0o700


# -- stale answers ----------------------------------------------------------------------

def test_an_edit_that_keeps_size_and_modification_time_is_seen(capsys, env, monkeypatch):
    channel, cache = env
    games = channel / "example" / "packages" / "games.scm"
    text = games.read_text()
    assert text.count("license:gpl3+") >= 1
    audit(capsys, channel)
    audit(capsys, channel)  # warm
    before = games.stat()
    edited = text.replace("license:gpl3+", "license:gpl2+", 1)
    assert len(edited) == len(text)
    games.write_text(edited)
    os.utime(games, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -d` would
    assert (games.stat().st_size, games.stat().st_mtime_ns) == \
        (before.st_size, before.st_mtime_ns)
    want = expected(capsys, channel)
    assert audit(capsys, channel)[:2] == want
    assert "GPL-2.0" in want[1]


def test_a_report_of_files_just_changed_is_not_stored(capsys, env, monkeypatch):
    channel, cache = env
    monkeypatch.setattr(report_cache, "RACY_NS", 2_000_000_000)
    audit(capsys, channel)  # the tree was copied a moment ago: racily clean
    assert not list((cache / "reports").glob("*.report"))
    old = 1_000_000_000
    for directory, _, files in os.walk(channel):
        for name in files:
            os.utime(os.path.join(directory, name), (old, old))
    # The change times are still new (no tool sets them back): still not stored.
    audit(capsys, channel)
    assert not list((cache / "reports").glob("*.report"))
    monkeypatch.setattr(report_cache, "RACY_NS", 0)
    audit(capsys, channel)
    assert list((cache / "reports").glob("*.report"))
