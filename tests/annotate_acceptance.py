"""Acceptance check of ``guixml annotate --write`` on a whole tree.

Usage (after copying a tree and annotating the copy)::

    cp -r "$GUIX_SOURCE/gnu/packages" /tmp/copy/gnu/packages   # and a pristine one
    guixml annotate --write /tmp/copy
    python3 tests/annotate_acceptance.py ORIGINAL_ROOT ANNOTATED_ROOT

It checks, and prints figures for, the three acceptance criteria of
docs/annotate.md: Guile 3.0 reads every ``.scm`` file of the annotated tree
(and, for each changed file, reads exactly the data guixml's reader sees);
every top-level form that was not annotated is byte-identical, and so is the
text between forms; the changed forms are counted.  (That a second run
changes nothing is checked by running ``guixml annotate --write`` again.)
Exit status 0 when every check holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from guixml.scheme.reader import read_string  # noqa: E402
from guixml.scheme.writer import write  # noqa: E402

GUILE_DIR = REPO / "tests" / "guile"


def _text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as stream:
        return stream.read()


def _guile(script: str, files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(["guile", "--no-auto-compile", "-s", str(GUILE_DIR / script),
                           *map(str, files)], capture_output=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False)


def compare(before: str, after: str) -> tuple[int, int, list[str]]:
    """(forms, changed forms, problems) between two versions of one module."""
    old, new = read_string(before), read_string(after)
    problems = []
    if len(old) != len(new):
        return len(old), 0, [f"{len(old)} forms became {len(new)}"]
    changed = 0
    old_end = new_end = 0
    for a, b in zip(old, new):
        if before[old_end:a.start] != after[new_end:b.start]:
            problems.append(f"text before the form at {b.location} moved")
        if a.text != b.text:
            changed += 1
        old_end, new_end = a.end, b.end
    if before[old_end:] != after[new_end:]:
        problems.append("text after the last form moved")
    return len(old), changed, problems


def main(argv: list[str]) -> int:
    original, annotated = Path(argv[1]), Path(argv[2])
    files = sorted(annotated.rglob("*.scm"))
    reads = _guile("read-only.scm", files)
    print(f"Guile read {len(files)} files: "
          f"{'ok' if reads.returncode == 0 else 'FAILED: ' + reads.stderr.decode()[-500:]}")
    failures = int(reads.returncode != 0)
    forms = changed_forms = 0
    changed_files: list[Path] = []
    for path in files:
        twin = original / path.relative_to(annotated)
        before, after = _text(twin), _text(path)
        if before == after:
            continue
        changed_files.append(path)
        count, changed, problems = compare(before, after)
        forms += count
        changed_forms += changed
        for problem in problems:
            print(f"{path}: {problem}")
            failures += 1
    if changed_files:
        guile = _guile("read-write.scm", changed_files)
        ours = [write(datum) for path in changed_files for datum in read_string(_text(path))]
        same = guile.returncode == 0 and guile.stdout.decode("utf-8").splitlines() == ours
        print(f"changed files: {len(changed_files)}; Guile's data equal guixml's: "
              f"{'yes' if same else 'NO'}")
        failures += int(not same)
    print(f"top-level forms in changed files: {forms}, annotated (changed): {changed_forms}, "
          f"byte-identical: {forms - changed_forms}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
