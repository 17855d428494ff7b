"""The conformance contract: ``guixml read`` prints each form exactly as Guile does.

Guile's side is tests/guile/read-write.scm (Guile's reader with Guix's gexp
syntax, then ``write``, under LC_ALL=C.UTF-8).  The fixtures are compared
whenever Guile is installed; the package modules of a real Guix checkout
when GUIX_SOURCE names one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import package_modules, parallel_map, read_write_file

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "scheme").glob("*.scm"))


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


# -- differential fuzzing: random fragment soups, Guile vs guixml ----------------

_FRAGMENTS = [
    "(", ")", "[", "]", " ", "\n", "\t", "\r", "\f", "\v", "\xa0", "'", "`", ",", ",@",
    "#~", "#$", "#$@", "#+", "#+@", "#:", "#;", "#|", "|#", "#!", "!#", '"', "\\",
    "a", "b:c", "x", "n", "e", "i", "@", "|", ":", "{", "}", "/", "0", "1", "2", "-",
    "+", ".", "1.5", "1/2", "inf.0", "nan.0", "#t", "#f", "#T", "#F", "#true", "#\\",
    "#\\(", "#\\)", "x41", "u00e9", "space", "#(", "#vu8(", "#{", "}#", ";", "#x",
    "#b", "#o", "#e", "#i", "#nil", "#'", "#`", "#,", "#,@", "\\x", "é",
    "#\\x", "#\\tab", "#\\nul", "#\\0", "#\\7", "#\\Space", "#\\101", "1e", "1e400",
    "#d", "#!fold-case", "#!no-fold-case", "12", "#:a", "##", "\\u", "\\U", "00", "ff",
    "|a b|", "#|x|#", "#!x!#", ";c\n", "(. a)", "#e1.5", "#x-f", "+i", "@2", "7",
]


def _random_texts(seed: int, count: int) -> list[str]:
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12)))
            for _ in range(count)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_fragment_soups_agree_with_guile(seed, guile, guile_env, tmp_path):
    """Guile and guixml agree on what reads (and how it is written) and what fails.

    Known divergence: Guile's gexp reader extensions read the end of input as
    a datum (``#$`` at the very end gives ``(ungexp #<eof>)``); guixml
    reports an error there.
    """
    import subprocess

    from guixml.scheme.errors import SchemeSyntaxError
    from guixml.scheme.reader import read_string
    from guixml.scheme.writer import write

    texts = _random_texts(seed, 1500)
    paths = []
    for index, text in enumerate(texts):
        path = tmp_path / f"{index}.scm"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    script = Path(__file__).parent.parent / "guile" / "read-write.scm"
    output = subprocess.run([guile, "--no-auto-compile", "-s", str(script), "--each", *paths],
                            env=guile_env, capture_output=True, check=True
                            ).stdout.decode("utf-8").split("\n")
    verdicts, lines = [], []
    for line in output:
        if line in ("#<end>", "#<error>"):
            verdicts.append((line == "#<end>", lines))
            lines = []
        else:
            lines.append(line)
    assert len(verdicts) == len(texts)
    problems = []
    for text, (guile_ok, guile_lines) in zip(texts, verdicts):
        try:
            ours = [write(datum) for datum in read_string(text)]
        except SchemeSyntaxError:
            ours = None
        if ours is None and guile_ok and any("#<eof>" in line for line in guile_lines):
            continue  # the known divergence
        if (ours is not None) != guile_ok or (guile_ok and ours != guile_lines):
            problems.append((text, guile_ok and guile_lines, ours))
    assert not problems, problems[:10]
