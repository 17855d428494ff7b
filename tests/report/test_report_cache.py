"""The cache of whole reports (guixml/report/cache.py) and its use by `guixml audit`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from guixml.cli import main
import guixml.report.cache as report_cache
from guixml.report.cache import KEEP, ReportCache, report_key

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channel"
RULE = ('[[rule]]\nid = "user.demo"\nkind = "text"\npattern = "{word}"\n'
        'suggests = "training"\nconfidence = 0.9\n')


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GUIX_SOURCE", raising=False)
    # The trees here were copied a moment ago: a report of them is stored at
    # once (the racy rule has its own test, test_a_report_of_files_just_changed_…).
    monkeypatch.setattr(report_cache, "RACY_NS", -10**18)


@pytest.fixture
def channel(tmp_path):
    copy = tmp_path / "ch"
    shutil.copytree(EXAMPLE, copy)
    return copy


def key(channel, files=(), **options):
    return report_key([str(channel)], [str(f) for f in files], {"format": "json", **options})


# -- the key ---------------------------------------------------------------------

def test_key_is_stable(channel):
    assert key(channel) == key(channel)


def test_key_changes_with_a_changed_file(channel):
    before = key(channel)
    games = channel / "example" / "packages" / "games.scm"
    games.write_text(games.read_text() + ";; one more line\n")
    assert key(channel) != before


def test_key_changes_with_an_edit_that_keeps_size_and_modification_time(channel):
    games = channel / "example" / "packages" / "games.scm"
    text = games.read_text()
    stat = games.stat()
    before = key(channel)
    # Same length, time set back as cp -p, tar or rsync -t would: only the
    # change time (which no tool can set back) tells.
    edited = text.replace("(version", "(VERSION", 1)
    assert edited != text
    games.write_text(edited)
    os.utime(games, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert games.stat().st_size == stat.st_size
    assert games.stat().st_mtime_ns == stat.st_mtime_ns
    assert key(channel) != before


def test_key_changes_with_a_new_or_removed_module(channel):
    before = key(channel)
    extra = channel / "example" / "packages" / "extra.scm"
    extra.write_text("(define-module (example packages extra))\n")
    with_extra = key(channel)
    assert with_extra != before
    extra.unlink()
    assert key(channel) == before


def test_key_changes_with_rule_content_and_options(channel, tmp_path):
    rules = tmp_path / "extra.toml"
    rules.write_text(RULE.format(word="zebra"))
    first = key(channel, [rules])
    rules.write_text(RULE.format(word="okapi"))
    assert key(channel, [rules]) != first
    assert key(channel, [rules], policy="debian") != key(channel, [rules])
    assert key(channel, format="csv") != key(channel)


def test_key_ignores_files_that_are_not_modules(channel):
    before = key(channel)
    (channel / "NOTES.txt").write_text("not read by guixml\n")
    assert key(channel) == before


# -- the store -------------------------------------------------------------------

def test_get_put_round_trip_and_miss(tmp_path):
    cache = ReportCache(tmp_path)
    assert cache.get("absent") is None
    cache.put("k1", b"report \xe2\x9c\x93\n", {"levels": ["review"]})
    assert cache.get("k1") == (b"report \xe2\x9c\x93\n", {"levels": ["review"]})


def test_only_the_most_recent_entries_are_kept(tmp_path):
    cache = ReportCache(tmp_path)
    for i in range(KEEP + 3):
        cache.put(f"k{i}", b"x", {})
        stamp = 1_000_000 + i  # distinct, increasing modification times
        os.utime(cache.directory / f"k{i}.report", (stamp, stamp))
    cache.put("last", b"x", {})
    kept = sorted(p.stem for p in cache.directory.glob("*.report"))
    assert len(kept) == KEEP and "last" in kept and "k0" not in kept


def test_an_unwritable_cache_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would go")
    cache = ReportCache(blocker)
    cache.put("k", b"x", {})  # best effort: nothing raised
    assert cache.get("k") is None


# -- through `guixml audit` ---------------------------------------------------------

def audit(capsys, *args):
    code = main(["audit", *map(str, args)])
    out, _ = capsys.readouterr()
    return code, out


@pytest.fixture
def no_audit(monkeypatch):
    """Make computing a report fail: only the cache can answer."""
    import guixml.cli.audit as cli

    def refuse(*args, **kwargs):
        raise AssertionError("the report was computed, not taken from the cache")

    def arm():
        monkeypatch.setattr(cli, "audit_report", refuse)
    return arm


def test_audit_hit(capsys, channel, no_audit):
    first = audit(capsys, channel, "--format", "json", "--fail-on", "never")
    no_audit()
    assert audit(capsys, channel, "--format", "json", "--fail-on", "never") == first


def test_audit_miss_on_a_changed_file(capsys, channel, no_audit):
    audit(capsys, channel, "--format", "json")
    games = channel / "example" / "packages" / "games.scm"
    games.write_text(games.read_text() + "\n")
    no_audit()
    with pytest.raises(AssertionError, match="computed"):
        audit(capsys, channel, "--format", "json")


def test_audit_miss_on_changed_rules(capsys, channel, tmp_path, no_audit):
    rules = tmp_path / "extra.toml"
    rules.write_text(RULE.format(word="zebra"))
    audit(capsys, channel, "--format", "json", "--rules", rules)
    rules.write_text(RULE.format(word="okapi"))
    no_audit()
    with pytest.raises(AssertionError, match="computed"):
        audit(capsys, channel, "--format", "json", "--rules", rules)


def test_audit_no_cache_neither_reads_nor_writes(capsys, channel, tmp_path, no_audit):
    audit(capsys, channel, "--format", "json", "--no-cache")
    assert not (tmp_path / "cache" / "reports").exists()
    audit(capsys, channel, "--format", "json")  # now cached
    no_audit()
    with pytest.raises(AssertionError, match="computed"):
        audit(capsys, channel, "--format", "json", "--no-cache")
