"""`guixml audit`: formats, exit codes, config, --changed-since, --output."""

import io
import json
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from guixml.cli import main
from guixml.cli.audit import ProgressBar
from guixml.report import FORMATS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channel"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))


def audit(capsys, *args):
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_table_and_exit_code(capsys):
    code, out, err = audit(capsys, EXAMPLE)
    assert code == 0  # the only reject is ignored by examples/channel/guixml.toml
    assert out.startswith("PACKAGE")
    assert "pawnstorm@5.0" in out and "voice-demo-nc@0.3" in out
    assert "reject (ignored)" in out
    assert "\033[" not in out  # not a terminal: no colour
    assert err == ""


@pytest.mark.parametrize("level, expected", [("never", 0), ("reject", 0), ("review", 1),
                                             ("weights", 1)])
def test_fail_on(capsys, level, expected):
    assert audit(capsys, EXAMPLE, "--fail-on", level)[0] == expected


def test_config_option_and_policy(capsys, tmp_path):
    config = tmp_path / "strict.toml"
    config.write_text('policy = "gcd-008"\nfail-on = "reject"\n')
    code, out, _ = audit(capsys, EXAMPLE, "--config", config)
    assert code == 1  # nothing ignored now, and gcd-008 rejects
    assert "Policy gcd-008:" in out
    code, out, _ = audit(capsys, EXAMPLE, "--config", config, "--policy", "guix-2023",
                         "--fail-on", "never")
    assert code == 0 and "Policy guix-2023:" in out


@pytest.mark.parametrize("format", FORMATS)
def test_every_format(capsys, format):
    code, out, _ = audit(capsys, EXAMPLE, "--format", format)
    assert code == 0
    if format in ("json", "sarif", "spdx", "cyclonedx"):
        json.loads(out)
    elif format == "html":
        assert out.startswith("<!DOCTYPE html>")


def test_json_lists_every_package_with_relative_files(capsys):
    _, out, _ = audit(capsys, EXAMPLE, "--format", "json")
    doc = json.loads(out)
    assert len(doc["packages"]) == 17
    assert {p["file"] for p in doc["packages"]} == {
        f"example/packages/{m}.scm" for m in ("chess", "games", "speech", "ml", "traps")}


def test_output_is_written_atomically_keeping_mode(capsys, tmp_path):
    target = tmp_path / "report.sarif"
    target.write_text("old")
    os.chmod(target, 0o640)
    code, out, _ = audit(capsys, EXAMPLE, "--format", "sarif", "--output", target)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "report.sarif"]


def test_parse_error_exits_2_but_reports(capsys, tmp_path):
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    (channel / "example" / "packages" / "broken.scm").write_text(
        '(define-module (example packages broken))\n(define-public x (package\n')
    code, out, _ = audit(capsys, channel)
    assert code == 2
    assert "example/packages/broken.scm:2:" in out
    assert "pawnstorm@5.0" in out


@pytest.mark.parametrize("args, message", [
    (["--policy", "fsf"], "unknown policy 'fsf'"),
    (["--only", "elsewhere"], "--only elsewhere: not one of the PATHs"),
])
def test_usage_errors(capsys, args, message):
    code, _, err = audit(capsys, EXAMPLE, *args)
    assert code == 2 and message in err


def test_missing_path(capsys, tmp_path):
    code, _, err = audit(capsys, tmp_path / "nowhere")
    assert code == 2 and "no such file or directory" in err


def test_bad_config(capsys, tmp_path):
    config = tmp_path / "guixml.toml"
    config.write_text("fail-on = \n")
    code, _, err = audit(capsys, EXAMPLE, "--config", config)
    assert code == 2 and str(config) in err


def git(cwd, *args):
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changed_since(capsys, tmp_path):
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    git(channel, "init", "-q")
    git(channel, "add", ".")
    git(channel, "commit", "-q", "-m", "start")
    games = channel / "example" / "packages" / "games.scm"
    games.write_text(games.read_text().replace('(version "0.9")', '(version "1.0")'))
    code, out, _ = audit(capsys, channel, "--format", "json", "--changed-since", "HEAD")
    assert code == 0
    names = {p["name"] for p in json.loads(out)["packages"]}
    assert names == {"backgammon-sage", "go-zen", "go-zen-network"}
    code, _, err = audit(capsys, channel, "--changed-since", "no-such-rev")
    assert code == 2 and "no-such-rev" in err


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_after_a_second(monkeypatch):
    quiet = io.StringIO()
    bar = ProgressBar(quiet)
    bar("classifying", 5, 10)
    bar.close()
    assert quiet.getvalue() == ""
    monkeypatch.setattr(ProgressBar, "DELAY", 0.0)
    terminal = FakeTerminal()
    bar = ProgressBar(terminal)
    bar("classifying", 5, 10)
    deadline = time.monotonic() + 5
    while not bar.drawn and time.monotonic() < deadline:
        time.sleep(0.05)
    bar.close()
    assert "classifying" in terminal.getvalue() and "5/10" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")  # the line is cleared at the end


def test_report_cache_hit_and_invalidation(capsys, tmp_path, monkeypatch):
    import guixml.report.cache as report_cache
    # The tree is copied a moment ago: stored at once all the same (the racy
    # rule has its own test in test_audit_cache.py).
    monkeypatch.setattr(report_cache, "RACY_NS", -10**18)
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    first = audit(capsys, channel, "--fail-on", "review")
    assert first[0] == 1
    import guixml.cli.audit as cli

    def no_audit(*args, **kwargs):
        raise AssertionError("the cached report should have been used")

    monkeypatch.setattr(cli, "audit_report", no_audit)
    assert audit(capsys, channel, "--fail-on", "review") == first  # same text, same status
    assert audit(capsys, channel, "--fail-on", "never")[0] == 0    # status from the cache
    with pytest.raises(AssertionError):  # another format is another report
        audit(capsys, channel, "--format", "csv")
    games = channel / "example" / "packages" / "games.scm"
    games.write_text(games.read_text() + "\n")
    with pytest.raises(AssertionError):  # a changed file is another tree
        audit(capsys, channel, "--fail-on", "review")
    monkeypatch.undo()
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(report_cache, "RACY_NS", -10**18)
    audit(capsys, channel)  # fills the cache for the changed tree
    monkeypatch.setattr(cli, "audit_report", no_audit)
    audit(capsys, channel)
    with pytest.raises(AssertionError):  # --no-cache never reads it
        audit(capsys, channel, "--no-cache")


@pytest.mark.parametrize("format", ["sarif", "spdx", "cyclonedx"])
def test_example_channel_validates(capsys, format):
    from _schemas import errors
    code, out, _ = audit(capsys, EXAMPLE, "--format", format)
    assert code == 0
    assert errors(format, json.loads(out)) == []


def _problem_channel(tmp_path):
    """A channel of two packages and two problems, beside another tree of one problem."""
    channel, other = tmp_path / "ch", tmp_path / "other"
    for tree, name in ((channel, "ch"), (other, "other")):
        tree.mkdir()
        (tree / f"{name}.scm").write_text(
            f"(define-module ({name}) #:use-module (guix packages))\n"
            f"(define-public {name}-p (package (name \"{name}-p\") (version \"1\")))\n"
            f"(define-public {name}-q (frobnicate 1))\n"
            + ("(define-public ch-r (frobnicate 2))\n" if name == "ch" else ""))
    return channel, other


def test_problems_lists_them_all_and_only_filters_them(capsys, tmp_path):
    channel, other = _problem_channel(tmp_path)
    code, out, _ = audit(capsys, channel, other, "--all")
    assert code == 0 and "3 problem(s) while reading; first:" in out
    assert "(--problems lists them all)" in out and "ch-r" not in out
    code, out, _ = audit(capsys, channel, other, "--all", "--problems")
    assert "Problems while reading (3):" in out
    assert all(name in out for name in ("ch-q", "ch-r", "other-q"))
    code, out, _ = audit(capsys, channel, other, "--all", "--problems", "--only", channel)
    assert "Problems while reading (2):" in out and "other-q" not in out
    code, out, _ = audit(capsys, channel, other, "-f", "json", "--only", other)
    assert [p["message"].split(":")[0] for p in json.loads(out)["problems"]] == ["other-q"]


def test_a_path_with_no_package_exits_2(capsys, tmp_path):
    code, _, err = audit(capsys, tmp_path)
    assert code == 2 and err.strip() == f"guixml: no package found under {tmp_path}"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("value", ["--output={target}", "-o{target}", "--output", "-"])
def test_changed_since_is_never_a_git_option(capsys, tmp_path, value):
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    git(channel, "init", "-q")
    git(channel, "add", ".")
    git(channel, "commit", "-q", "-m", "start")
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    code, out, err = audit(capsys, channel, f"--changed-since={value.format(target=target)}")
    assert code == 2 and "not a git revision" in err and err.count("\n") == 1
    assert target.read_text() == "keep me\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changed_since_takes_a_revision_that_names_a_commit(capsys, tmp_path):
    channel = tmp_path / "ch"
    shutil.copytree(EXAMPLE, channel)
    git(channel, "init", "-q")
    git(channel, "add", ".")
    git(channel, "commit", "-q", "-m", "start")
    git(channel, "tag", "start")
    tree = subprocess.run(["git", "-C", str(channel), "rev-parse", "HEAD^{tree}"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert audit(capsys, channel, "--changed-since", "start")[0] == 0
    code, _, err = audit(capsys, channel, "--changed-since", tree)  # a tree, not a commit
    assert code == 2 and tree in err
