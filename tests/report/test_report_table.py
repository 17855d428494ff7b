"""`guixml audit --format table`: the human view."""

from _report_sample import sample_report

from guixml.report import render


def test_lines_and_summary():
    text = render(sample_report(), "table")
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["PACKAGE", "ROLE", "TRAINS"]
    body = "\n".join(lines[1:6])
    assert "tinyfish@1.0" in body and "separate" in body and "nn-big" in body
    assert "font-heavy" not in text  # no weights, no training: only with --all
    assert "6 packages audited; 4 involve weights" in text
    assert "Policy guix-2023: 3 accept, 1 review, 0 reject." in text
    assert "example/packages/broken.scm:3:4: unbalanced parenthesis" in text


def test_all_lists_every_package():
    assert "font-heavy@1.0" in render(sample_report(), "table", all_packages=True)


def test_colour_only_when_asked():
    assert "\033[" not in render(sample_report(), "table")
    coloured = render(sample_report(), "table", color=True)
    assert "\033[33mreview" in coloured


def test_empty_report():
    from guixml.report.base import AuditReport
    text = render(AuditReport(packages=()), "table")
    assert "No package involves weights" in text
