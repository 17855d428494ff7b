"""The reader: data model, source spans, every syntax, errors, robustness."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from guixml.scheme.datum import (NIL, Char, DottedList, Keyword, List, Location, Source, Symbol,
                          Vector, equal, sym)
from guixml.scheme.errors import SchemeSyntaxError
from guixml.scheme.reader import parse_char_name, read_file, read_source, read_string

FIXTURES = Path(__file__).parent.parent / "fixtures" / "scheme"


def read1(text: str):
    data = read_string(text)
    assert len(data) == 1, data
    return data[0]


def L(*items):
    return List(items)


# -- data model -------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("foo", sym("foo")),
    ('"foo"', "foo"),
    ("#:foo", Keyword("foo")),
    ("#\\a", Char("a")),
    ("#t", True), ("#f", False), ("#true", True), ("#false", False), ("#T", True),
    ("42", 42), ("-7", -7), ("+5", 5),
    ("1/2", Fraction(1, 2)), ("6/3", 2),
    ("1.5", 1.5), ("-0.0", -0.0), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0),
    ("#x1F", 31), ("#b101", 5), ("#o17", 15), ("#e1.25", Fraction(5, 4)),
    ("#i1/4", 0.25), ("#e#x10", 16),
    ("()", L()), ("[]", L()),
    ("#(1 2)", Vector((1, 2))), ("#vu8(0 255)", b"\x00\xff"),
    ("#nil", NIL),
])
def test_atoms_and_types(text, expected):
    value = read1(text)
    assert equal(value, expected), (value, expected)


@pytest.mark.parametrize("text", ["1+", "-", "+", "...", "->", "1/0", "+.", ".foo",
                                  "1a", "a'b", "a#b", "|x|", "{x}", ":x", "x:"])
def test_symbols_that_look_like_numbers(text):
    value = read1(text)
    assert type(value) is Symbol and str(value) == text


def test_symbols_are_interned():
    a, b = read_string("foo foo")
    assert a is b is sym("foo")


@pytest.mark.parametrize("text, expected", [
    ("'x", L(sym("quote"), sym("x"))),
    ("`x", L(sym("quasiquote"), sym("x"))),
    (",x", L(sym("unquote"), sym("x"))),
    (",@x", L(sym("unquote-splicing"), sym("x"))),
    ("#'x", L(sym("syntax"), sym("x"))),
    ("#`x", L(sym("quasisyntax"), sym("x"))),
    ("#,x", L(sym("unsyntax"), sym("x"))),
    ("#,@x", L(sym("unsyntax-splicing"), sym("x"))),
    ("#~x", L(sym("gexp"), sym("x"))),
    ("#$x", L(sym("ungexp"), sym("x"))),
    ("#$x:out", L(sym("ungexp"), sym("x"), "out")),
    ("#$x:y:z", L(sym("ungexp"), sym("x:y"), "z")),
    ("#$:x", L(sym("ungexp"), sym(""), "x")),
    ("#$x:", L(sym("ungexp"), sym("x"), "")),
    ("#$@x", L(sym("ungexp-splicing"), sym("x"))),
    ("#$@x:lib", L(sym("ungexp-splicing"), sym("x"), "lib")),
    ("#+x", L(sym("ungexp-native"), sym("x"))),
    ("#+@x", L(sym("ungexp-native-splicing"), sym("x"))),
    ("#$ x", L(sym("ungexp"), sym("x"))),
    ("#$#:k", L(sym("ungexp"), Keyword("k"))),
    ("#$(f a)", L(sym("ungexp"), L(sym("f"), sym("a")))),
    ("'#;a b", L(sym("quote"), sym("b"))),
    ("' . ", L(sym("quote"), sym("."))),
    ("#~@x", L(sym("gexp"), sym("@x"))),
    ("#~,@x", L(sym("gexp"), L(sym("unquote-splicing"), sym("x")))),
])
def test_abbreviations(text, expected):
    assert equal(read1(text), expected)


@pytest.mark.parametrize("text, expected", [
    ("(a . b)", DottedList([sym("a")], sym("b"))),
    ("(a b . c)", DottedList([sym("a"), sym("b")], sym("c"))),
    ("(a . (b c))", L(sym("a"), sym("b"), sym("c"))),
    ("(a . (b . c))", DottedList([sym("a"), sym("b")], sym("c"))),
    ("(a . ())", L(sym("a"))),
    ("(. a)", sym("a")),
    ("(a .b)", L(sym("a"), sym(".b"))),
    ("[a . b]", DottedList([sym("a")], sym("b"))),
])
def test_dotted_lists(text, expected):
    assert equal(read1(text), expected)


@pytest.mark.parametrize("text, expected", [
    (r'"a\"b"', 'a"b'), (r'"\\"', "\\"), (r'"\|\("', "|("),
    (r'"\a\b\t\n\v\f\r\0"', "\a\b\t\n\v\f\r\0"),
    (r'"\x41;"', "A;"), (r'"\u00e9\U01F600"', "é😀"),
    ('"a\\\n  b"', "a  b"), ('"x\ny"', "x\ny"),
])
def test_string_escapes(text, expected):
    assert read1(text) == expected


@pytest.mark.parametrize("name, char", [
    ("a", "a"), ("(", "("), ("space", " "), ("SPACE", " "), ("nul", "\0"),
    ("null", "\0"), ("x41", "A"), ("101", "A"), ("0", "0"), ("delete", "\x7f"),
    ("esc", "\x1b"), ("escape", "\x1b"), ("linefeed", "\n"), ("x+41", "A"),
])
def test_character_names(name, char):
    assert parse_char_name(name) == char
    assert read1("#\\" + name) == Char(char)


@pytest.mark.parametrize("text, expected", [
    ("#;a b", [sym("b")]),
    ("(a #;b c)", [L(sym("a"), sym("c"))]),
    ("#;#;a b c", [sym("c")]),
    ("#| a #| b |# c |# d", [sym("d")]),
    ("#! a !# d", [sym("d")]),
    ("#!/bin/sh\n!#\nd", [sym("d")]),
    ("; x\nd ; y", [sym("d")]),
    ("#:  foo", [Keyword("foo")]),
    ("#:#{a b}#", [Keyword("a b")]),
    ("#tru", [True, sym("ru")]),
    ("#f1", [False, 1]),
    ("1#", [10.0]),
    ("1/2#", [0.05]),
    ("1#.5", [sym("1#.5")]),
    ('(a"b"c)', [L(sym("a"), "b", sym("c"))]),
    ("#{a}}#", [sym("a}")]),
    ("#{a\\x41;b}#", [sym("aAb")]),
    ("#{}#", [sym("")]),
    ("Ab #!fold-case Ab #:Ke #{Ab}# #\\A #!no-fold-case Ab",
     [sym("Ab"), sym("ab"), Keyword("ke"), sym("Ab"), Char("A"), sym("Ab")]),
    ("#!fold-case!#", [sym("!#")]),
    ("#;#$", []),                 # Guile: (ungexp #<eof>), dropped by #;
    ("a #;'#~ ;x", [sym("a")]),
    ("#$#;#$ ", None),            # the outer #$ gets #<eof>: an error here
])
def test_comments_and_glued_tokens(text, expected):
    if expected is None:
        with pytest.raises(SchemeSyntaxError):
            read_string(text)
        return
    assert all(equal(a, b) for a, b in zip(read_string(text), expected))
    assert len(read_string(text)) == len(expected)


# -- source spans -------------------------------------------------------------------


def test_list_spans_cover_their_text():
    text = "(define x\n  '(1 2))  #~(a #$b)\n[c]"
    data = read_string(text, "f.scm")
    define, gexp, bracket = data
    assert define.text == "(define x\n  '(1 2))"
    quoted = define[2]
    assert quoted.text == "'(1 2)"
    assert quoted[1].text == "(1 2)"
    assert gexp.text == "#~(a #$b)"
    assert gexp[1][1].text == "#$b"
    assert bracket.text == "[c]"
    loc = quoted.location
    assert (loc.file, loc.line, loc.column, loc.offset) == ("f.scm", 2, 2, 12)


def test_dotted_list_span():
    value = read1("  (a . b)")
    assert (value.start, value.end) == (2, 9)


def test_every_list_has_a_span():
    for datum in read_file(FIXTURES / "packages.scm"):
        stack = [datum]
        while stack:
            item = stack.pop()
            if isinstance(item, (List, DottedList)):
                assert item.source is not None and 0 <= item.start < item.end
                stack.extend(item if isinstance(item, List) else item.items)


def test_read_file_names_the_path_as_given(tmp_path):
    path = tmp_path / "m.scm"
    path.write_text("(a)\n", encoding="utf-8")
    (datum,) = read_file(path)
    assert datum.source.file == str(path)


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, line, column", [
    ("(a b", 1, 0),
    ("(a\n  (b c)", 1, 0),
    ("a)", 1, 1),
    ("(a]", 1, 2),
    ('(a "unterminated', 1, 3),
    ("#<foo>", 1, 0),
    ("#", 1, 0),
    ("'", 1, 0),
    ("(a ')", 1, 4),
    ("(a . b c)", 1, 0),
    ("(a . )", 1, 5),
    ("#\\nonsense", 1, 0),
    ('"\\q"', 1, 1),
    ("#:1", 1, 0),
    ('#:"s"', 1, 0),
    ("#| never closed", 1, 0),
    ("#! never closed", 1, 0),
    ("#vu8(256)", 1, 0),
    ("#(a . b)", 1, 4),
    ("#x1.5", 1, 0),
    ("1e400", 1, 0),
    ("#nix", 1, 0),
    ("#{abc", 1, 0),
    ("#!r6rs a", 1, 0),
    ("#!curly-infix a", 1, 0),
    ("1e400x", 1, 0),
    ("#u8(1 2)", 1, 0),
])
def test_syntax_errors_are_located(text, line, column):
    with pytest.raises(SchemeSyntaxError) as caught:
        read_string(text, "bad.scm")
    error = caught.value
    assert (error.location.line, error.location.column) == (line, column)
    rendered = str(error)
    assert rendered.startswith(f"bad.scm:{line}:{column}: ")
    source_line, caret = rendered.splitlines()[1:3]
    assert caret.index("^") - 2 == column
    assert source_line.strip()


# -- robustness: corrupted modules only ever raise our syntax error ------------------

_CORPUS = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.scm"))]
_SNIPPET_BYTES = sorted(set("()[]\"'`,@#;|\\:~$+{}.xe0 \n") )


@st.composite
def corrupted_modules(draw):
    text = draw(st.sampled_from(_CORPUS))
    # Work on a window so that edits hit dense syntax, not only whitespace.
    start = draw(st.integers(0, max(0, len(text) - 1)))
    text = text[start:start + draw(st.integers(0, 1500))]
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        char = draw(st.one_of(st.sampled_from(_SNIPPET_BYTES),
                              st.characters(blacklist_categories=("Cs",))))
        if action == "delete":
            text = text[:pos] + text[pos + 1:]
        elif action == "insert":
            text = text[:pos] + char + text[pos:]
        elif action == "replace":
            text = text[:pos] + char + text[pos + 1:]
        else:
            text = text[:pos]
    return text


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted_modules())
def test_corruptions_only_raise_syntax_errors(text):
    try:
        read_string(text, "corrupt.scm")
    except SchemeSyntaxError as error:
        assert str(error).startswith("corrupt.scm:")


def test_random_byte_corruptions_of_every_fixture():
    rng = random.Random(2026)
    for text in _CORPUS:
        raw = text.encode("utf-8")
        for _ in range(40):
            data = bytearray(raw)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(len(data))
                data[pos] = rng.randrange(256)
            corrupted = data.decode("utf-8", errors="replace")
            try:
                read_string(corrupted)
            except SchemeSyntaxError:
                pass


@pytest.mark.parametrize("unit", ['"\\', "#{", "#!a", "#|", "(", "#\\", "'", "#{\\x"])
def test_broken_text_is_cut_in_linear_time(unit):
    # Quadratic rescanning of unterminated tokens would take minutes here.
    with pytest.raises(SchemeSyntaxError):
        read_string(unit * 50_000)


def _lists_in(datum):
    stack = [datum]
    while stack:
        item = stack.pop()
        if isinstance(item, List):
            yield item
            stack.extend(item)
        elif isinstance(item, DottedList):
            yield item
            stack.extend(item.items)
            stack.append(item.tail)
        elif isinstance(item, Vector):
            stack.extend(item)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.scm")), ids=lambda p: p.name)
def test_every_span_reads_back_as_its_list(path):
    """source.text[start:end] of every list is exactly that list's text."""
    for datum in read_file(path):
        for lst in _lists_in(datum):
            text = lst.source.text[lst.start:lst.end]
            (again,) = read_string(text)
            assert equal(again, lst), text
            assert text == text.strip()


@pytest.mark.parametrize("text, spans", [
    ("'foo  ", [(0, 4)]),
    ("((a) (b c)))"[:-1] + "  ", [(0, 11), (1, 4), (5, 10)]),
    ("#$x:out\n", [(0, 7)]),
    ('(a "s"  )  ', [(0, 9)]),
    ("[a]]"[:-1], [(0, 3)]),
    ("'(a)  ", [(0, 4), (1, 4)]),
    ("`(,@x  )", [(0, 8), (1, 8), (2, 5)]),
    ("#:x ", []),
])
def test_spans_exclude_trailing_whitespace(text, spans):
    found = sorted(((lst.start, lst.end) for datum in read_string(text)
                    for lst in _lists_in(datum)), key=lambda span: (span[0], -span[1]))
    assert found == spans


def test_read_source_keeps_the_callers_source():
    class Shifted(Source):
        def location(self, offset):
            loc = Source.location(self, offset)
            return Location(self.file, loc.line + 10, loc.column, loc.offset)

    source = Shifted("big.scm", "(a\n (b))")
    (datum,) = read_source(source)
    assert datum.source is source and datum[1].source is source
    assert (datum[1].location.line, datum[1].location.column) == (12, 1)


def test_garbage_collector_state_is_restored():
    import gc
    assert gc.isenabled()
    read_string("(a (b))")
    with pytest.raises(SchemeSyntaxError):
        read_string("(a")
    assert gc.isenabled()
    gc.disable()
    try:
        read_string("(a)")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_that_is_not_utf8_is_an_error_at_its_first_bad_byte(tmp_path):
    from guixml.scheme.errors import EncodingError
    path = tmp_path / "latin1.scm"
    path.write_bytes(b'(define x "ok")\n(define y "\xe9t\xe9")\n')
    with pytest.raises(EncodingError) as caught:
        read_file(path)
    assert caught.value.location.line == 2 and caught.value.location.column == 11
    assert str(caught.value) == (f"{path}:2:11: not UTF-8 text "
                                 "(byte 0xe9: invalid continuation byte)")
