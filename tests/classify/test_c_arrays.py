"""The fast path for generated C arrays against the reference tokenizer.

``counted_c_arrays`` (regular expressions doing the per-character work) must
find exactly the initialisers ``scan_c_source`` (a token at a time) finds and
counts, with the same names, lines and counts, and ``_may_hold_weights`` must
never reject a text in which they find one.  Hypothesis writes C-like texts from
fragments chosen to meet at every edge the tokenizer cares about: comments and
strings (closed or not) next to literals, minus signs before blanks, comments
and digits, dots, exponents, hex, identifiers glued to digits, Unicode digits
and letters, nested and unbalanced braces, C++ ``w[] {`` initialisers.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings, strategies as st

from guixml.classify import inspect
from guixml.classify.inspect import counted_c_arrays, scan_c_source, weight_formats


def reference(text: str, limits: dict) -> list[tuple]:
    return [(a.name, a.line, a.decimal, a.hex, a.floats, a.negative)
            for a in scan_c_source(text)
            if a.decimal >= limits["array_counted_min"] and a.weight_like(limits)]


def fast(text: str, limits: dict) -> list[tuple]:
    return [(a.name, a.line, a.decimal, a.hex, a.floats, a.negative)
            for a in counted_c_arrays(text, limits)]


def small_limits(least: int) -> dict:
    limits = dict(weight_formats()["c_arrays"])
    limits["array_counted_min"] = least
    return limits


FRAGMENTS = [
    "=", "= ", "{", "}", " { ", "};\n", ";", ",", ", ", " ", "\t", "\n", "\r\n",
    "-", "- ", "-\t", "--", "->", ".", "..", "e", "E", "e-", "x", "0x", "0X1f", "0xg",
    "1", "7", "42", "0", "1.", "1.5", ".5", "1e5", "1E-3", "2.5e+7f", "3f", "10UL", "-1",
    "- 2", "-.5", "-1.25f", "1.e5",
    "w", "name", "_x1", "a1.5", "float w[] = ", "int t[3] = ", "] {", "]\n{", "s = ",
    "/* c */", "/*", "*/", "// line\n", "//", "/", "/* { 1, -2 } */", "/* - */",
    '"', "'", '"a"', "'b'", '"{ 1, -2.5 }"', '"\\""', "'\\''", '"x\n', "'\\n'",
    "٣", "é", "é1", "٣.٥", "\u00b2", "(", ")", "[", "]", "*", "+", "#define N 3\n",
    "\x00", "\x01",
]


def texts() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(FRAGMENTS), max_size=120).map("".join)


def arrayish() -> st.SearchStrategy[str]:
    """Texts with initialisers full of literals, so that some are counted."""
    literal = st.sampled_from(["-1", "- 2", "0.5f", "-0.25", ".5", "1e-3", "7", "0x1f",
                               "-/**/3", "1.", "٣", "x1", "-\t4", "/* 9, -9 */", '"-1"'])
    body = st.lists(st.one_of(literal, st.sampled_from([", ", ",\n", " ", "{", "}", "{ ", " }"])),
                    min_size=0, max_size=80).map("".join)
    head = st.sampled_from(["float w[] = {", "static const int t[] = {", "x = {", "w[] {",
                            "= /* c */ {", "= ( {", "= \"s\" {", "a == {", "{", "int f() {"])
    tail = st.sampled_from(["};\n", "}", "", "}}", "} } ;", "\n"])
    piece = st.tuples(st.sampled_from(["", "\n", "// x\n", "/* y\n z */", "n1 "]), head, body, tail
                      ).map("".join)
    return st.lists(st.one_of(piece, texts()), max_size=6).map("".join)


def rewritten(text: str) -> str:
    return inspect._BRACKET_BRACE.sub(inspect._add_equals, text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(), st.sampled_from([1, 2, 3, 5]))
def test_fast_path_equals_reference_on_c_like_texts(text, least):
    text = rewritten(text)
    limits = small_limits(least)
    assert fast(text, limits) == reference(text, limits)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrayish(), st.sampled_from([1, 2, 4, 8]))
def test_fast_path_equals_reference_on_initialisers(text, least):
    text = rewritten(text)
    limits = small_limits(least)
    expected = reference(text, limits)
    assert fast(text, limits) == expected
    if expected:  # the prefilter is a necessary condition
        assert inspect._may_hold_weights(text.encode("utf-8"), limits)


def test_prefilter_is_necessary_at_the_real_limits():
    limits = weight_formats()["c_arrays"]
    rng = random.Random(13)
    forms = [lambda: f"{rng.uniform(-1, 1):.6f}f", lambda: str(rng.randint(-128, 127)),
             lambda: f"{rng.randint(1, 9)}e{rng.randint(-9, 9)}", lambda: f"{rng.randint(1, 9)}.",
             lambda: f"-/**/{rng.randint(0, 9)}", lambda: f"- {rng.randint(0, 9)}"]
    for form in forms:
        for count in (limits["array_counted_min"] - 1, limits["array_counted_min"], 600):
            body = ", ".join(form() for _ in range(count))
            text = rewritten(f"/* generated */\nconst float w[{count}] = {{ {body} }};\n")
            expected = reference(text, limits)
            assert fast(text, limits) == expected
            if expected:
                assert inspect._may_hold_weights(text.encode(), limits)


def test_names_lines_and_nesting():
    rows = ",\n".join("{ " + ", ".join(f"{-0.5 + i * 0.001:.4f}" for i in range(40)) + " }"
                      for _ in range(10))
    text = rewritten("/* a\n comment */ int unused;\n"
                     'const char *s = "{ = {";\n'
                     f"static const float layer_w[10][40] = {{\n{rows}\n}};\n"
                     "float b[] {" + ", ".join("-1" for _ in range(300)) + "};\n")
    limits = weight_formats()["c_arrays"]
    got = fast(text, limits)
    assert got == reference(text, limits)
    assert [(name, line) for name, line, *_ in got] == [("layer_w", 4), ("b", 16)]
