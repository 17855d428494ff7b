"""`guixml audit --format csv`."""

import csv
import io

from _report_sample import sample_report

from guixml.report import render
from guixml.report.csv import COLUMNS


def rows(all_packages=False):
    return list(csv.DictReader(io.StringIO(render(sample_report(), "csv",
                                                  all_packages=all_packages))))


def test_columns_and_selection():
    text = render(sample_report(), "csv")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    names = [row["name"] for row in rows()]
    assert names == ["chess-net-42", "tinyfish", "backgammon-ai", "go-zero", "tiny-torch"]
    assert len(rows(all_packages=True)) == 6


def test_cells():
    engine = next(row for row in rows() if row["name"] == "tinyfish")
    assert engine["weights"] == "separate"
    assert engine["weight_inputs"] == "nn-big"
    assert engine["verdict"] == "review"
    assert engine["line"] == "30"
    assert engine["training_software"] == "no"
