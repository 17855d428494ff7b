"""Static evaluation of single modules (the per-file phase)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from guixml.evaluate.summary import summarize_source
from guixml.scheme.datum import sym
from guixml.evaluate.values import GlobalRef, PackageValue

HEADER = "(define-module (t m) #:use-module (guix packages))\n"


def summary(text: str):
    return summarize_source(HEADER + text, "t/m.scm", "(t m)")


def value(text: str, name: str):
    d = summary(text).defs[name]
    assert d.status == "value", (d.status, d.error)
    return d.value


def test_string_procedures():
    v = value('(define x (string-append "a" (string-join (list "b" "c") "-") '
              '(version-major+minor "1.2.3") (string-take "xyz" 1)))', "x")
    assert v == "ab-c1.2x"


def test_let_star_and_closures_with_optional_and_key_arguments():
    text = ('(define* (f a #:optional (b "B") #:key (c "C")) (string-append a b c))\n'
            '(define x (let* ((p "1") (q (f p))) (f q "2" #:c "3")))')
    assert value(text, "x") == "1BC23"


def test_quasiquote_with_splicing():
    v = value("(define x `(1 ,(+ 0) ,@(list 2 3)))".replace("(+ 0)", '"a"'), "x")
    assert v == [1, "a", 2, 3]


def test_cond_and_system_facts():
    text = ('(define x (cond ((target-aarch64?) "arm") ((%current-target-system) "cross") '
            '(else (%current-system))))')
    assert value(text, "x") == "x86_64-linux"


def test_match_patterns():
    text = ('(define x (match (list "a" "b" "c") ((first rest ...) '
            '(string-append first (string-join rest "+")))))')
    assert value(text, "x") == "ab+c"


def test_references_to_other_modules_stay_symbolic():
    pkg = value("(define-public p (package (inherit base) (name \"p\") (inputs (list zlib))))",
                "p")
    assert type(pkg) is PackageValue
    assert type(pkg.parent) is GlobalRef and pkg.parent.name == "base"
    assert pkg.fields["name"] == "p"
    (item,) = pkg.fields["inputs"]
    assert type(item.thing) is GlobalRef and item.label is None


def test_needing_another_modules_value_defers_the_definition():
    d = summary('(define-public p (package (name (package-name other))))').defs["p"]
    assert d.status == "deferred"
    d = summary('(define-public v (string-append "x" (package-version other)))').defs["v"]
    assert d.status == "deferred"


def test_unevaluable_field_is_kept_with_its_text():
    pkg = value('(define-public p (package (name "p") (version (mystery 1))))', "p")
    assert pkg.fields["name"] == "p"
    # An unknown procedure of another module is a residual call, forced later.
    assert type(pkg.fields["version"]).__name__ == "Call"


def test_syntax_error_is_reported_with_location():
    s = summarize_source(HEADER + "(define x", "t/m.scm", "(t m)")
    assert s.errors and s.errors[0].startswith("t/m.scm:2:")


@given(st.lists(st.text(alphabet="abcxyz-.0123", max_size=6), min_size=1, max_size=5))
def test_string_append_matches_python(parts):
    literal = " ".join('"' + p + '"' for p in parts)
    assert value(f"(define x (string-append {literal}))", "x") == "".join(parts)


def test_syntax_rules_macros():
    text = ('(define-syntax-rule (series (n h) ...) (list (string-append n "-" h) ...))\n'
            '(define-syntax pick (syntax-rules (first) ((_ first a b) a) ((_ other a b) b)))\n'
            '(define x (series ("1" "a") ("2" "b")))\n'
            '(define y (pick first "A" "B"))\n'
            '(define z (length (series ("1" "a"))))')
    assert value(text, "x") == ["1-a", "2-b"]
    assert value(text, "y") == "A"
    assert value(text, "z") == 1


def test_srfi9_records():
    text = ('(define-record-type <net> (make-net name size) net? (name net-name) '
            '(size net-size))\n'
            '(define x (net-name (make-net "small" 3)))')
    assert value(text, "x") == "small"


def test_character_procedures():
    text = ('(define x (string-map (lambda (c) (if (char=? c #\\.) #\\- c)) "1.2.3"))\n'
            '(define y (string-delete #\\. "1.0.4"))')
    assert value(text, "x") == "1-2-3"
    assert value(text, "y") == "104"


def test_guix_records_with_defaults():
    text = ('(define-record-type* <plugin> plugin make-plugin plugin? '
            '(name plugin-name) (size plugin-size (default "big")))\n'
            '(define p (plugin (name "x")))\n'
            '(define x (string-append (plugin-name p) "-" (plugin-size p)))')
    assert value(text, "x") == "x-big"


_PAD_CASES = [('"1.2"', 6, r"#\0"), ('"abcdef"', 3, None), ('"12"', 5, r"#\0"),
              ('"ab"', 4, None), ('""', 2, r"#\x"), ('"abc"', 0, None), ('"abc"', 3, None)]


def _pad_call(procedure: str, text: str, length: int, char: str | None) -> str:
    return f"({procedure} {text} {length}{' ' + char if char else ''})"


def test_string_pad_as_guile():
    """string-pad and string-pad-right (SRFI-13) give what Guile 3.0.8 gives."""
    import shutil
    import subprocess
    import pytest
    calls = [_pad_call(p, *case) for p in ("string-pad", "string-pad-right")
             for case in _PAD_CASES]
    ours = [value(f"(define x {call})", "x") for call in calls]
    if shutil.which("guile") is None:
        pytest.skip("guile is not installed")
    program = "(for-each (lambda (s) (write s) (newline)) (list " + " ".join(calls) + "))"
    out = subprocess.run(["guile", "--no-auto-compile", "-c", program], check=True,
                         capture_output=True, text=True).stdout
    assert [line[1:-1] for line in out.splitlines()] == ours


def test_string_pad_refuses_what_it_does_not_model():
    d = summary('(define x (string-pad-right "abc" 5 #\\0 0 1))').defs["x"]
    assert d.status == "error" and d.error[0] == "unsupported-argument"


def test_quasiquote_with_an_unquoted_tail():
    """`(a . ,b) reads as (a unquote b): B is the tail (an alist of packages,
    properties written `((upstream-name . ,name)))."""
    from guixml.scheme.datum import DottedList
    v = value('(define x (let ((n "x")) `(("k" . ,n) (1 . ,(list 2 3)) (a unquote n))))', "x")
    assert v[0] == DottedList(["k"], "x") and v[1] == [1, 2, 3]
    assert v[2] == DottedList([sym("a")], "x")


def test_a_macro_used_as_a_value_is_named_as_guixml_limit():
    d = summary("(define-syntax twice (syntax-rules () ((_ x) (list x x))))\n"
                "(define x (map twice '(1 2)))").defs["x"]
    assert d.status == "error" and d.error[0] == "syntax-as-value"


_FOLD_CASES = [
    "(fold alist-delete '((a . 1) (b . 2) (c . 3) (a . 4)) '(a c))",
    "(fold cons '() '(1 2 3))",
    "(fold + 0 '(1 2 3) '(10 20 30))",
    "(fold alist-delete '() '(a))",
]


def test_fold_as_guile():
    """SRFI-1 fold, with alist-delete as Guix drops several keys of a
    parent's properties (gdb.scm), gives what Guile 3.0.8 gives."""
    _agrees_with_guile("(srfi srfi-1)", _FOLD_CASES)


def _agrees_with_guile(module: str, calls: list[str]) -> None:
    """Each call, evaluated by guixml and written, is what Guile 3.0.8 writes
    for it with MODULE loaded."""
    import shutil
    import subprocess
    import pytest
    from guixml.scheme.writer import write
    ours = [write(value(f"(define x {call})", "x")) for call in calls]
    if shutil.which("guile") is None:
        pytest.skip("guile is not installed")
    program = (f"(use-modules {module}) (for-each (lambda (s) (write s) (newline)) (list "
               + " ".join(calls) + "))")
    out = subprocess.run(["guile", "--no-auto-compile", "-c", program], check=True,
                         capture_output=True, text=True).stdout
    assert out.splitlines() == ours


def test_string_to_number_as_guile():
    """Guile's parser, not Python's int() and float() (which take spaces,
    underscores and "inf"); checked against Guile in tests/scheme/test_numbers.py."""
    text = "\n".join([
        '(define a (string->number "12"))', '(define b (string->number " 12"))',
        '(define c (string->number "1_000"))', '(define d (string->number "inf"))',
        '(define e (string->number "#x10"))', '(define f (string->number "ff" 16))',
        '(define g (string->number "1e2"))', '(define h (string->number "1\u0ed6"))',
        '(define i (string->number "1/2"))'])
    from fractions import Fraction
    assert [value(text, name) for name in "abcdefghi"] == [
        12, False, False, False, 16, 255, 100.0, 16, Fraction(1, 2)]


_MATCH_CASES = [
    # config->string of Guix's linux.scm: pairs whose cdr is a quoted symbol
    # ((option . 'm) reads as (option quote m)), #t, #f or a string.
    "(map (match-lambda ((option . 'm) (string-append option \"=m\")) "
    "((option . #t) (string-append option \"=y\")) ((option . #f) (string-append option \"=n\")) "
    "((option . string) (string-append option \"=\" string))) "
    "'((\"A\" . m) (\"B\" . #t) (\"C\" . #f) (\"D\" . \"x\")))",
    "(match '(1 2 . 3) ((a . rest) (list a rest)))",
    "(match '(1 2 . 3) ((a b . c) (list c b a)))",
    "(match '(1 . 2) ((a b . c) 'no) ((a . b) (list b a)))",
    "(match '(k . v) ((key . 'v) key) (_ 'other))",
    "(match '(k . w) ((key . 'v) key) (_ 'other))",
]


def test_match_pairs_as_guile():
    """(ice-9 match) on pairs and improper lists gives what Guile 3.0.8 gives."""
    _agrees_with_guile("(ice-9 match)", _MATCH_CASES)
