"""The table: fitted to a terminal's width when asked, whole otherwise."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from guixml.api import audit_report
from guixml.report import render
from guixml.report.table import FLEXIBLE, HEADERS, fit_widths

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channel"


def test_fitted_rows_fit_and_locations_keep_their_end():
    report = audit_report([str(EXAMPLE)], cache=False)
    whole = render(report, "table")
    fitted = render(report, "table", width=80)
    rows = fitted.split("\n\n")[0].splitlines()
    assert max(len(line) for line in rows) <= 80
    assert max(len(line) for line in whole.split("\n\n")[0].splitlines()) > 80
    assert any(line.endswith("…/chess.scm:46") for line in rows)
    assert fitted.split("\n\n")[1] == whole.split("\n\n")[1]  # the summary is whole


@settings(max_examples=200)
@given(st.lists(st.integers(1, 300), min_size=len(HEADERS), max_size=len(HEADERS)),
       st.integers(20, 400))
def test_fit_widths_narrows_only_flexible_columns_down_to_their_minimum(widths, limit):
    fitted = fit_widths(widths, limit)
    for i, (before, after) in enumerate(zip(widths, fitted)):
        assert after <= before
        if i not in FLEXIBLE:
            assert after == before
        else:
            assert after >= min(before, FLEXIBLE[i])
    total = sum(fitted) + 2 * (len(fitted) - 1)
    assert total <= limit or all(fitted[i] <= FLEXIBLE[i] or fitted[i] == widths[i] and
                                 widths[i] <= FLEXIBLE[i] for i in FLEXIBLE)
