"""Rewriting a user's file (guixml/atomic.py ``rewrite_file``): what is kept, what is
refused, and what a crash can leave."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from guixml import atomic
from guixml.atomic import BACKUP_SUFFIX, NotWritten, rewrite_file

OLD, NEW = b"(old)\n", b"(new)\n;; longer than the old text\n"


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "m.scm"
    path.write_bytes(OLD)
    os.chmod(path, 0o640)
    return path


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_rewrite_keeps_bytes_and_mode_and_leaves_nothing(module):
    assert rewrite_file(module, OLD, NEW) == "renamed"
    assert module.read_bytes() == NEW
    assert stat.S_IMODE(os.stat(module).st_mode) == 0o640
    assert names(module.parent) == ["m.scm"]


def test_hard_links_are_kept(module):
    twin = module.parent / "twin.scm"
    os.link(module, twin)
    inode = os.stat(module).st_ino
    assert rewrite_file(module, OLD, NEW) == "in place"
    assert twin.read_bytes() == NEW == module.read_bytes()
    assert os.stat(module).st_ino == inode and os.stat(module).st_nlink == 2
    assert names(module.parent) == ["m.scm", "twin.scm"]


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_owner_and_group_are_kept(module):
    os.chown(module, 4321, 4322)
    rewrite_file(module, OLD, NEW)
    info = os.stat(module)
    assert (info.st_uid, info.st_gid) == (4321, 4322)
    assert module.read_bytes() == NEW


def test_owner_a_copy_cannot_get_means_in_place(module, monkeypatch):
    def refuse(*_args):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    os.chown(module, os.getuid(), os.getgid())
    monkeypatch.setattr(atomic, "_copy_metadata", refuse)
    inode = os.stat(module).st_ino
    assert rewrite_file(module, OLD, NEW) == "in place"
    assert os.stat(module).st_ino == inode and module.read_bytes() == NEW
    assert names(module.parent) == ["m.scm"]


def _xattrs_supported(path: Path) -> bool:
    try:
        os.setxattr(path, "user.guixml-probe", b"1")
        os.removexattr(path, "user.guixml-probe")
    except OSError:
        return False
    return True


def test_extended_attributes_are_kept(module):
    if not _xattrs_supported(module):
        pytest.skip("no user xattrs on this file system")
    os.setxattr(module, "user.origin", b"upstream \x00 bytes")
    rewrite_file(module, OLD, NEW)
    assert os.getxattr(module, "user.origin") == b"upstream \x00 bytes"
    assert module.read_bytes() == NEW


def test_extended_attributes_a_copy_cannot_get_mean_in_place(module, monkeypatch):
    if not _xattrs_supported(module):
        pytest.skip("no user xattrs on this file system")
    os.setxattr(module, "user.origin", b"x")
    real = os.setxattr

    def refuse(target, name, value, *rest):
        if isinstance(target, int):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return real(target, name, value, *rest)

    monkeypatch.setattr(os, "setxattr", refuse)
    inode = os.stat(module).st_ino
    assert rewrite_file(module, OLD, NEW) == "in place"
    assert os.stat(module).st_ino == inode
    assert os.getxattr(module, "user.origin") == b"x"


def test_read_only_file_is_refused_and_left_read_only(module):
    os.chmod(module, 0o444)
    with pytest.raises(NotWritten, match="read-only .mode 0444."):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD
    assert stat.S_IMODE(os.stat(module).st_mode) == 0o444


def test_content_changed_since_read_is_refused(module):
    module.write_bytes(b"(edited by a human)\n")
    with pytest.raises(NotWritten, match="changed since guixml read it"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == b"(edited by a human)\n"


def test_edit_saved_while_the_copy_is_prepared_is_not_lost(module, monkeypatch):
    prepare = atomic._prepared_copy

    def meanwhile(path, info, data):
        temporary = prepare(path, info, data)
        Path(path).write_bytes(b"(saved meanwhile)\n")
        return temporary

    monkeypatch.setattr(atomic, "_prepared_copy", meanwhile)
    with pytest.raises(NotWritten, match="changed since"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == b"(saved meanwhile)\n"
    assert names(module.parent) == ["m.scm"]


def test_edit_saved_before_an_in_place_write_is_not_lost(module, monkeypatch):
    os.link(module, module.parent / "twin.scm")
    link = os.link

    def meanwhile(source, target, *rest):
        link(source, target, *rest)
        if target.endswith(BACKUP_SUFFIX):
            with open(module, "r+b") as stream:  # same inode, other bytes
                stream.write(b"(sav)")

    monkeypatch.setattr(os, "link", meanwhile)
    with pytest.raises(NotWritten, match="changed since"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == b"(sav)\n"
    assert names(module.parent) == ["m.scm", "twin.scm"]


def test_symlink_and_non_regular_files_are_refused(module):
    link = module.parent / "link.scm"
    link.symlink_to(module)
    with pytest.raises(NotWritten, match="symbolic link"):
        rewrite_file(link, OLD, NEW)
    with pytest.raises(NotWritten, match="not a regular file"):
        rewrite_file(module.parent, OLD, NEW)
    assert module.read_bytes() == OLD


def test_read_only_directory_is_reported(module, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(module.parent))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(NotWritten, match="Permission denied"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_really_read_only_directory_is_reported(module):
    os.chmod(module.parent, 0o555)
    try:
        with pytest.raises(NotWritten):
            rewrite_file(module, OLD, NEW)
    finally:
        os.chmod(module.parent, 0o755)
    assert module.read_bytes() == OLD


def test_full_disk_leaves_the_original(module, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(NotWritten, match="No space left on device"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD
    assert names(module.parent) == ["m.scm"]


def test_full_disk_during_an_in_place_write_puts_the_original_back(module, monkeypatch):
    os.link(module, module.parent / "twin.scm")
    real = os.pwrite
    calls = []

    def half(fd, data, offset):
        calls.append(offset)
        if len(calls) == 2:  # the first writes the backup, the second the file
            real(fd, bytes(data[:3]), offset)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", half)
    with pytest.raises(NotWritten, match="No space left on device"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD
    assert names(module.parent) == ["m.scm", "twin.scm"]


def test_immutable_file_is_reported(module, monkeypatch):
    def refuse(source, target):
        raise PermissionError(errno.EPERM, "Operation not permitted", source, target)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(NotWritten, match="immutable"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD
    assert names(module.parent) == ["m.scm"]


def test_really_immutable_file_is_reported(module):
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(module)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(NotWritten):
            rewrite_file(module, OLD, NEW)
    finally:
        subprocess.run(["chattr", "-i", str(module)], check=True)
    assert module.read_bytes() == OLD
    assert names(module.parent) == ["m.scm"]


def test_a_leftover_backup_blocks_the_file(module):
    Path(str(module) + BACKUP_SUFFIX).write_bytes(OLD)
    with pytest.raises(NotWritten, match="interrupted write left the original"):
        rewrite_file(module, OLD, NEW)
    assert module.read_bytes() == OLD


_WRITER = """
import sys
from guixml.atomic import rewrite_file
path, a, b = sys.argv[1], sys.argv[2].encode() * 20000, sys.argv[3].encode() * 30000
print("ready", flush=True)
while True:
    current = open(path, "rb").read()
    rewrite_file(path, current, b if current == a else a)
"""


@pytest.mark.parametrize("links", [1, 2])
def test_kill_9_never_leaves_a_half_written_file(tmp_path, links):
    """Killed at random moments, the file is always whole: old or new (or, in
    place, the whole original is in the backup beside it)."""
    path = tmp_path / "m.scm"
    a, b = "(a)\n", "(bb)\n"
    full_a, full_b = a.encode() * 20000, b.encode() * 30000
    path.write_bytes(full_a)
    if links == 2:
        os.link(path, tmp_path / "twin.scm")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for round_ in range(12):
        child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), a, b],
                                 stdout=subprocess.PIPE, env=env)
        assert child.stdout.readline() == b"ready\n"
        time.sleep(0.02 + 0.013 * round_)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        content = path.read_bytes()
        backup = Path(str(path) + BACKUP_SUFFIX)
        if backup.exists():
            assert backup.read_bytes() in (full_a, full_b)
            os.replace(backup, path.with_suffix(".restored"))  # what a human does
            shutil.copyfile(path.with_suffix(".restored"), path) if links == 1 else \
                path.write_bytes(path.with_suffix(".restored").read_bytes())
            path.with_suffix(".restored").unlink()
        else:
            assert content in (full_a, full_b)
        for stray in tmp_path.glob(".m.scm.*.tmp"):
            stray.unlink()  # a temporary a kill left; never the file itself
        if links == 2:
            assert os.stat(path).st_nlink == 2
