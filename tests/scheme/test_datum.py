"""guixml.scheme.datum: locations of offsets in a source text."""

from hypothesis import given, strategies as st

from guixml.scheme.datum import Source


@given(st.text(alphabet="ab\n\u00e9", max_size=60), st.data())
def test_location_counts_lines_and_columns(text, data):
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    loc = Source("f.scm", text).location(offset)
    before = text[:offset]
    assert loc.line == before.count("\n") + 1
    assert loc.column == offset - (before.rfind("\n") + 1)
    assert loc.offset == offset
