"""``guixml annotate PATH... [--diff | --write]`` (guixml/cli/annotate.py)."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
from pathlib import Path

import pytest

from guixml.cli import main
from guixml.cli import annotate as annotate_cli
from guixml.scheme.reader import read_string
from guixml.scheme.writer import write

from _annotate_fixtures import EXPECTED, FIXTURES, NAMES, audit_result, guile_read

ALL = NAMES + ("unparsable",)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the fixture modules, audited as audits.toml says."""
    for name in ALL:
        shutil.copyfile(FIXTURES / f"{name}.scm", tmp_path / f"{name}.scm")
    os.chmod(tmp_path / "insert.scm", 0o640)
    monkeypatch.chdir(tmp_path)
    result = audit_result(ALL, tmp_path)
    monkeypatch.setattr(annotate_cli, "collect_audits",
                        lambda paths, only=(): annotate_cli.Audited(result))
    return tmp_path


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.scm"))}


def test_default_prints_suggestions_and_touches_nothing(tree, capsys):
    before = snapshot(tree)
    assert main(["annotate", "."]) == 2  # the unparsable module
    captured = capsys.readouterr()
    assert snapshot(tree) == before
    assert "insert.scm:34:2: hexgame: insert properties" not in captured.out  # no location
    assert "insert.scm: hexgame: insert properties" in captured.out
    assert "    (properties '((ml-weights . separate)" in captured.out
    assert "voice-anna: not annotated: made by procedure make-voice" in captured.out
    assert "unparsable.scm:3:0" in captured.err
    assert "packages to annotate (" in captured.err


def test_diff_is_a_unified_diff_of_the_expected_result(tree, capsys):
    before = snapshot(tree)
    main(["annotate", "--diff", "."])
    out = capsys.readouterr().out
    assert snapshot(tree) == before
    expected = []
    for name in NAMES:
        old = (FIXTURES / f"{name}.scm").read_text("utf-8").splitlines(keepends=True)
        new = (EXPECTED / f"{name}.scm").read_text("utf-8").splitlines(keepends=True)
        expected.extend(difflib.unified_diff(old, new, fromfile=f"a/{name}.scm",
                                             tofile=f"b/{name}.scm"))
    assert sorted(out.splitlines()) == sorted("".join(expected).splitlines())


def test_write_edits_files_atomically_and_twice_is_once(tree, capsys):
    unparsable = (tree / "unparsable.scm").read_bytes()
    assert main(["annotate", "--write", "."]) == 2
    first = capsys.readouterr().err
    for name in NAMES:
        assert (tree / f"{name}.scm").read_bytes() == (EXPECTED / f"{name}.scm").read_bytes()
    assert (tree / "unparsable.scm").read_bytes() == unparsable
    assert stat.S_IMODE(os.stat(tree / "insert.scm").st_mode) == 0o640
    assert "packages annotated (" in first and "1 file not read" in first
    after = snapshot(tree)
    assert main(["annotate", "--write", "."]) == 2
    second = capsys.readouterr().err
    assert snapshot(tree) == after
    assert "0 packages annotated (0 inserted, 0 merged)" in second
    assert "0 files changed" in second


def test_clean_tree_exits_zero(tree, monkeypatch):
    os.unlink(tree / "unparsable.scm")
    result = audit_result(NAMES, tree)
    monkeypatch.setattr(annotate_cli, "collect_audits",
                        lambda paths, only=(): annotate_cli.Audited(result))
    assert main(["annotate", "--write", "."]) == 0


def test_missing_path_is_a_clear_error(tree, capsys):
    assert main(["annotate", "no-such-dir"]) == 2
    assert "no-such-dir: no such file or directory" in capsys.readouterr().err


@pytest.mark.guile
def test_real_pipeline_on_the_fixtures(tmp_path, monkeypatch, capsys):
    """The whole chain: index, classifier, annotator, on copies of the fixtures."""
    pytest.importorskip("guixml.api")
    for name in ALL:
        shutil.copyfile(FIXTURES / f"{name}.scm", tmp_path / f"{name}.scm")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    unparsable = (tmp_path / "unparsable.scm").read_bytes()
    assert main(["annotate", "--write", "."]) == 2
    err = capsys.readouterr().err
    assert "unparsable.scm:3:0" in err
    assert (tmp_path / "unparsable.scm").read_bytes() == unparsable
    files = [tmp_path / f"{name}.scm" for name in NAMES]
    assert guile_read(*files) == [write(form) for file in files
                                  for form in read_string(file.read_text("utf-8"))]
    after = snapshot(tmp_path)
    main(["annotate", "--write", "."])
    assert snapshot(tmp_path) == after
    assert "0 packages annotated" in capsys.readouterr().err


def test_files_that_cannot_be_read_are_reported_not_raised(tmp_path, monkeypatch, capsys):
    """The real pipeline on a tree with a file that is not UTF-8 and a
    symbolic link that loops: each is named, nothing is written, exit 2."""
    shutil.copyfile(FIXTURES / "insert.scm", tmp_path / "insert.scm")
    (tmp_path / "latin1.scm").write_bytes(b"(define-module (latin1))\n(define x \"\xe9\")\n")
    (tmp_path / "loop.scm").symlink_to("loop.scm")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    before = (tmp_path / "insert.scm").read_bytes()
    assert main(["annotate", "--diff", "."]) == 2
    err = capsys.readouterr().err
    assert "latin1.scm:2:11: not UTF-8 text" in err
    assert "loop.scm:" in err and "Traceback" not in err
    assert (tmp_path / "insert.scm").read_bytes() == before


def _others_written(tree, but):
    for name in NAMES:
        if name != but:
            assert (tree / f"{name}.scm").read_bytes() == (EXPECTED / f"{name}.scm").read_bytes()


def test_symlink_to_outside_is_reported_and_never_followed(tree, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("outside") / "insert.scm"
    shutil.move(tree / "insert.scm", outside)
    (tree / "insert.scm").symlink_to(outside)
    before = outside.read_bytes()
    for flags in ([], ["--follow-symlinks"]):
        assert main(["annotate", "--write", ".", *flags]) == 2
        err = capsys.readouterr().err
        assert outside.read_bytes() == before and (tree / "insert.scm").is_symlink()
        reason = ("outside the given trees" if flags
                  else "reached through a symbolic link")
        assert any(line.startswith("guixml: insert.scm: ") and reason in line
                   for line in err.splitlines()), err
        assert "1 file not written" in err and "Traceback" not in err
        _others_written(tree, "insert")


def test_symlink_inside_the_tree_is_followed_only_when_asked(tree, capsys):
    (tree / "real").mkdir()
    shutil.move(tree / "insert.scm", tree / "real" / "insert.scm")
    (tree / "insert.scm").symlink_to(Path("real") / "insert.scm")
    assert main(["annotate", "--write", "."]) == 2
    assert "not followed without --follow-symlinks" in capsys.readouterr().err
    assert main(["annotate", "--write", ".", "--follow-symlinks"]) == 2  # unparsable.scm
    assert (tree / "insert.scm").is_symlink()
    assert (tree / "real" / "insert.scm").read_bytes() == (EXPECTED / "insert.scm").read_bytes()


def test_a_file_that_cannot_be_written_is_reported_and_the_rest_written(tree, capsys):
    os.chmod(tree / "insert.scm", 0o444)
    before = (tree / "insert.scm").read_bytes()
    assert main(["annotate", "--write", "."]) == 2
    err = capsys.readouterr().err
    assert "guixml: insert.scm: read-only (mode 0444); guixml does not make it writable" in err
    assert (tree / "insert.scm").read_bytes() == before
    assert stat.S_IMODE(os.stat(tree / "insert.scm").st_mode) == 0o444
    _others_written(tree, "insert")


def test_hard_linked_module_keeps_its_links(tree, capsys):
    os.link(tree / "insert.scm", tree / "insert-twin.txt")
    main(["annotate", "--write", "."])
    assert (tree / "insert-twin.txt").read_bytes() == (EXPECTED / "insert.scm").read_bytes()
    assert os.stat(tree / "insert.scm").st_nlink == 2


def test_only_edits_files_under_the_given_tree(tree, capsys):
    before = snapshot(tree)
    assert main(["annotate", "--write", ".", "--only", "insert.scm"]) == 0  # unparsable.scm left out
    after = snapshot(tree)
    assert [name for name in after if after[name] != before[name]] == ["insert.scm"]
    assert main(["annotate", "--diff", ".", "--only", "elsewhere"]) == 2
    assert "--only elsewhere: not one of the given paths" in capsys.readouterr().err


def test_diff_names_are_relative_to_their_tree(tmp_path):
    tree = tmp_path / "guix"
    (tree / "gnu" / "packages").mkdir(parents=True)
    file = tree / "gnu" / "packages" / "x.scm"
    file.write_text("")
    assert annotate_cli.diff_name(str(file), [str(tree)]) == "gnu/packages/x.scm"
    assert annotate_cli.diff_name(str(file), [str(file)]) == "x.scm"
    assert not annotate_cli.diff_name("/elsewhere/y.scm", [str(tree)]).startswith("/")


def test_only_leaves_out_other_trees_parse_errors(tmp_path, monkeypatch, capsys):
    """With --only, a module of another tree that does not parse is neither
    edited nor reported (as audit's --only filters problems)."""
    channel, other = tmp_path / "ch", tmp_path / "other"
    channel.mkdir()
    other.mkdir()
    (channel / "ch.scm").write_text(
        "(define-module (ch) #:use-module (guix packages))\n"
        "(define-public ch-p (package (name \"ch-p\") (version \"1\")))\n")
    (other / "broken.scm").write_text("(define-module (broken))\n(define x (list 1 2)\n")
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["annotate", "--diff", str(channel), str(other)]) == 2
    assert "broken.scm:2:0" in capsys.readouterr().err
    assert main(["annotate", "--diff", str(channel), str(other), "--only", str(channel)]) == 0
    assert "broken.scm" not in capsys.readouterr().err
    assert main(["annotate", "--diff", str(channel), str(other), "--only", str(other)]) == 2
    assert "broken.scm:2:0" in capsys.readouterr().err
