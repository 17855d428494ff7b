"""``guixml read``: output lines, exit status and located errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from guixml.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "scheme"


def test_prints_one_line_per_datum(tmp_path, capsys):
    path = tmp_path / "m.scm"
    path.write_text(";; c\n(a 'b)\n#~(c #$d:out)\n\"s\\n\"\n", encoding="utf-8")
    assert main(["read", str(path)]) == 0
    assert capsys.readouterr().out == (
        '(a (quote b))\n(gexp (c (ungexp d "out")))\n"s\\n"\n')


def test_several_files_in_order(tmp_path, capsys):
    first, second = tmp_path / "1.scm", tmp_path / "2.scm"
    first.write_text("one", encoding="utf-8")
    second.write_text("two three", encoding="utf-8")
    assert main(["read", str(first), str(second)]) == 0
    assert capsys.readouterr().out == "one\ntwo\nthree\n"


def test_syntax_error_exits_2_with_location_and_caret(tmp_path, capsys):
    path = tmp_path / "bad.scm"
    path.write_text('(define x\n  (list "a" #<oops>))\n', encoding="utf-8")
    assert main(["read", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:12: " in err
    lines = err.splitlines()
    assert lines[1].strip() == '(list "a" #<oops>))'
    assert lines[2].index("^") == lines[1].index("#<")
    assert "Traceback" not in err


def test_missing_file_and_bad_encoding_exit_2(tmp_path, capsys):
    assert main(["read", str(tmp_path / "absent.scm")]) == 2
    assert "absent.scm" in capsys.readouterr().err
    latin = tmp_path / "latin.scm"
    latin.write_bytes(b'"caf\xe9"')
    assert main(["read", str(latin)]) == 2
    assert "UTF-8" in capsys.readouterr().err


def test_command_line_entry_point_never_shows_a_traceback(tmp_path):
    path = tmp_path / "bad.scm"
    path.write_text("(unclosed", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "guixml", "read", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}:1:0:" in result.stderr


def test_fixture_modules_read(capsys):
    assert main(["read", *map(str, sorted(FIXTURES.glob("*.scm")))]) == 0
    assert capsys.readouterr().out.count("\n") > 100


def test_byte_order_mark_is_skipped_like_guile(tmp_path, capsys):
    path = tmp_path / "bom.scm"
    path.write_bytes(b"\xef\xbb\xbf(a b)\r\n\"x\r\ny\"\r\n")
    assert main(["read", str(path)]) == 0
    assert capsys.readouterr().out == '(a b)\n"x\\r\\ny"\n'
