"""Lossless span editing (guixml/annotate/edit.py) and atomic writes (guixml/atomic.py)."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given, strategies as st

from guixml.atomic import write_text_atomic
from guixml.annotate.edit import (Edit, OverlappingEdits, apply_edits, column, indent_like,
                         insert_after, insertion_point_after, line_ending, line_start)


def test_apply_edits_replaces_and_inserts():
    text = "(a b c)"
    edits = [Edit(3, 4, "BEE"), Edit(6, 6, " d")]
    assert apply_edits(text, edits) == "(a BEE c d)"


def test_insertions_at_one_point_keep_their_order():
    assert apply_edits("()", [Edit(1, 1, "x"), Edit(1, 1, "y")]) == "(xy)"


def test_overlapping_edits_are_refused():
    with pytest.raises(OverlappingEdits):
        apply_edits("abcdef", [Edit(1, 4, "x"), Edit(3, 5, "y")])
    with pytest.raises(OverlappingEdits):
        apply_edits("abc", [Edit(2, 9, "x")])


def test_bad_span_is_refused():
    with pytest.raises(ValueError):
        Edit(4, 2, "")


def test_columns_and_indentation_keep_tabs():
    text = "(a\n\t  (b c)"
    offset = text.index("(b")
    assert line_start(text, offset) == 3
    assert column(text, offset) == 3
    assert indent_like(text, offset) == "\t  "
    assert indent_like("(define-public\tx", 15) == "              \t"


def test_insertion_keeps_a_trailing_comment_on_its_line():
    text = "(p (a 1) ; about a\n   )"
    end = text.index(")") + 1
    assert insertion_point_after(text, end, len(text) - 1) == text.index("\n")
    compact = "(p (a 1))"
    assert insertion_point_after(compact, 8, 8) == 8
    followed = "(p (a 1) (b 2)\n)"
    assert insertion_point_after(followed, 8, len(followed) - 1) == 8


def test_crlf_is_kept_whole():
    text = "(p (a 1) ;c\r\n )"
    end = text.index(")") + 1
    assert text[insertion_point_after(text, end, len(text) - 1):].startswith("\r\n")
    assert line_ending(text) == "\r\n"
    assert line_ending("(a)\n") == "\n"
    assert line_ending("(a)") == "\n"


@st.composite
def text_and_edits(draw):
    text = draw(st.text(alphabet="ab();\n\t ", max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        edits.append(Edit(start, end, draw(st.text(alphabet="XY\n", max_size=5))))
    return text, edits


@given(text_and_edits())
def test_only_edited_spans_change(case):
    text, edits = case
    result = apply_edits(text, sorted(edits, key=lambda edit: -edit.start))
    # Rebuild by hand: untouched pieces in order, replacements between them.
    expected, position = "", 0
    for edit in edits:
        expected += text[position:edit.start] + edit.replacement
        position = edit.end
    expected += text[position:]
    assert result == expected


def test_atomic_write_keeps_mode_and_bytes(tmp_path):
    path = tmp_path / "m.scm"
    path.write_bytes(b"(old)\r\n")
    os.chmod(path, 0o640)
    write_text_atomic(path, "(new)\r\n\u00e9")
    assert path.read_bytes() == "(new)\r\n\u00e9".encode()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.scm"]


def test_atomic_write_failure_leaves_the_original(tmp_path, monkeypatch):
    path = tmp_path / "m.scm"
    path.write_text("(old)")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_text_atomic(path, "(new)")
    assert path.read_text() == "(old)"
    assert [p.name for p in tmp_path.iterdir()] == ["m.scm"]


def _applied(text: str, edit) -> str:
    return apply_edits(text, [edit])


def test_a_comment_after_closing_delimiters_stays_with_the_last_item():
    text = "(define p\n  (package\n    (license x))) ;some music files\n(next)\n"
    end = text.index("x)") + 2
    limit = end  # the package's closing parenthesis
    new = "\n    (properties '())"
    assert _applied(text, insert_after(text, end, limit, new)) == (
        "(define p\n  (package\n    (license x) ;some music files\n"
        "    (properties '())))\n(next)\n")


def test_insert_after_keeps_crlf_and_the_plain_cases():
    text = "(p (a 1)) ;c\r\n"
    edit = insert_after(text, 8, 8, "\r\n (b)")
    assert _applied(text, edit) == "(p (a 1) ;c\r\n (b))\r\n"
    assert _applied("(p (a 1))", insert_after("(p (a 1))", 8, 8, " (b)")) == "(p (a 1) (b))"
    followed = "(p (a 1) ;c\n)"
    assert _applied(followed, insert_after(followed, 8, len(followed) - 1, "\n(b)")) == \
        "(p (a 1) ;c\n(b)\n)"
    string = '(p (a 1)) "x;y"'
    assert _applied(string, insert_after(string, 8, 8, " (b)")) == '(p (a 1) (b)) "x;y"'


def test_the_acceptance_tool_sees_a_comment_moved_off_its_line():
    from annotate_acceptance import comment_anchors, moved_comments
    before = "(p\n  (license x)))) ;some music files\n"
    moved = "(p\n  (license x)\n  (properties '()))))) ;some music files\n"
    kept = "(p\n  (license x) ;some music files\n  (properties '())))))\n"
    assert comment_anchors(before) == [("x", ";some music files")]
    assert "comment ';some music files' no longer after 'x'" in moved_comments(before, moved)
    assert moved_comments(before, kept) == []
