"""The conformance contract: ``guixml read`` prints each form exactly as Guile does.

Guile's side is tests/guile/read-write.scm (Guile's reader with Guix's gexp
syntax, then ``write``, under LC_ALL=C.UTF-8).  The fixtures are compared
whenever Guile is installed; the package modules of a real Guix checkout
when GUIX_SOURCE names one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guixml.bench import package_modules, parallel_map, read_write_file

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "scheme").glob("*.scm"))


def compare(paths, guile_lines: list[str], our_texts: list[str]) -> tuple[int, list[str]]:
    """The number of identical forms, and a description of each difference."""
    ours: list[tuple[Path, int, str]] = []
    for path, text in zip(paths, our_texts):
        ours.extend((path, index, line) for index, line in enumerate(text.splitlines()))
    problems = []
    if len(ours) != len(guile_lines):
        problems.append(f"guixml printed {len(ours)} forms, Guile {len(guile_lines)}")
    same = 0
    for (path, index, line), theirs in zip(ours, guile_lines):
        if line == theirs:
            same += 1
        elif len(problems) < 10:
            problems.append(f"{path} form {index + 1}:\n  guile:  {theirs[:300]}\n"
                            f"  guixml: {line[:300]}")
    return same, problems


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_matches_guile(path, guile_read_write):
    guile_lines = guile_read_write([path])
    same, problems = compare([path], guile_lines, [read_write_file(path)])
    assert not problems, "\n".join(problems)
    assert same == len(guile_lines) > 0


@pytest.mark.realtree
def test_guix_package_modules_match_guile(guix_source, guile_read_write):
    paths = package_modules(guix_source)
    guile_lines = guile_read_write(paths)
    same, problems = compare(paths, guile_lines, parallel_map(read_write_file, paths, 2))
    print(f"\nconformance: {same} of {len(guile_lines)} forms identical "
          f"in {len(paths)} modules")
    assert not problems, "\n".join(problems)
