"""Acceptance check of ``guixml annotate --write`` on a whole tree.

Usage (after copying a tree and annotating the copy)::

    cp -r "$GUIX_SOURCE/gnu/packages" /tmp/copy/gnu/packages   # and a pristine one
    guixml annotate --write /tmp/copy
    python3 tests/annotate_acceptance.py ORIGINAL_ROOT ANNOTATED_ROOT

It checks, and prints figures for, the acceptance criteria of
docs/annotate.md: Guile 3.0 reads every ``.scm`` file of the annotated tree
(and, for each changed file, reads exactly the data guixml's reader sees);
every top-level form that was not annotated is byte-identical, and so is the
text between forms; every comment of the original is still on the line of
the token it followed (:func:`comment_anchors`: the same (token, comment)
pairs before and after, but for the review comments guixml adds); the
changed forms are counted.  (That a second run
changes nothing is checked by running ``guixml annotate --write`` again.)
Exit status 0 when every check holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
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


#: The comment lines guixml adds (the review line before the facts it could
#: not establish, the evidence line of an external package) start so.
GUIXML_COMMENT = ";; guixml"

_DELIMITERS = frozenset(" \t\r\n\f()[]\";")


def comment_anchors(text: str) -> list[tuple[str, str]]:
    """Every ``;`` comment of TEXT with the token it follows on its line.

    The token is the last one before the comment on the same line that is
    not a closing delimiter (a closing parenthesis says nothing about what a
    comment is about, and moves when a field is added after its list): for
    ``(license x)))) ;music`` it is ``x``.  A comment alone on its line has
    the token ``""``.  Strings, characters (``#\\;``) and block comments
    (``#| … |#``) are skipped as Guile's reader skips them.
    """
    anchors: list[tuple[str, str]] = []
    last = ""  # the last non-closing token of the current line
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch == "\n":
            last, i = "", i + 1
        elif ch in " \t\r\f":
            i += 1
        elif ch == ";":
            stop = text.find("\n", i)
            stop = size if stop < 0 else stop
            anchors.append((last, text[i:stop].rstrip("\r")))
            i = stop
        elif ch in ")]":
            i += 1
        elif text.startswith("#;", i):
            last, i = "#;", i + 2
        elif ch in "([":
            last, i = ch, i + 1
        elif ch == '"':
            j = i + 1
            while j < size and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            last = text[i:j + 1]
            newline = last.rfind("\n")
            if newline >= 0:
                last = last[newline + 1:]
            i = j + 1
        elif text.startswith("#|", i):
            depth, j = 1, i + 2
            while j < size and depth:
                if text.startswith("|#", j):
                    depth, j = depth - 1, j + 2
                elif text.startswith("#|", j):
                    depth, j = depth + 1, j + 2
                else:
                    j += 1
            if "\n" in text[i:j]:
                last = ""
            i = j
        else:
            j = i + 3 if text.startswith("#\\", i) else i + 1
            while j < size and text[j] not in _DELIMITERS:
                j += 1
            last, i = text[i:j], j
    return anchors


def moved_comments(before: str, after: str) -> list[str]:
    """The comments of BEFORE that are not on the line of the token they followed
    in AFTER, and the comments of AFTER that are neither in BEFORE nor guixml's."""
    old, new = Counter(comment_anchors(before)), Counter(comment_anchors(after))
    lost = old - new
    added = Counter({anchor: n for anchor, n in (new - old).items()
                     if not (anchor[0] == "" and anchor[1].startswith(GUIXML_COMMENT))})
    return ([f"comment {comment!r} no longer after {token!r}" for token, comment in lost]
            + [f"comment {comment!r} now after {token!r}" for token, comment in added])


def _same_gap(before: str, after: str, edited: bool) -> bool:
    """Whether the text between two forms is the same.  After an annotated form,
    a comment on its last line moves into it, with the line's code (checked
    by :func:`moved_comments`); the rest of the gap must still be the same."""
    if before == after:
        return True
    if not edited:
        return False
    stripped = before.lstrip(" \t")
    if not stripped.startswith(";"):
        return False
    newline = stripped.find("\n")
    if newline > 0 and stripped[newline - 1] == "\r":
        newline -= 1
    return after == ("" if newline < 0 else stripped[newline:])


def compare(before: str, after: str) -> tuple[int, int, list[str]]:
    """(forms, changed forms, problems) between two versions of one module."""
    old, new = read_string(before), read_string(after)
    problems = []
    if len(old) != len(new):
        return len(old), 0, [f"{len(old)} forms became {len(new)}"]
    changed = 0
    old_end = new_end = 0
    edited = False  # whether the form before the gap was annotated
    for a, b in zip(old, new):
        if not _same_gap(before[old_end:a.start], after[new_end:b.start], edited):
            problems.append(f"text before the form at {b.location} moved")
        edited = a.text != b.text
        changed += edited
        old_end, new_end = a.end, b.end
    if not _same_gap(before[old_end:], after[new_end:], edited):
        problems.append("text after the last form moved")
    problems.extend(moved_comments(before, after))
    return len(old), changed, problems


def main(argv: list[str]) -> int:
    original, annotated = Path(argv[1]), Path(argv[2])
    files = sorted(annotated.rglob("*.scm"))
    reads = _guile("read-only.scm", files)
    print(f"Guile read {len(files)} files: "
          f"{'ok' if reads.returncode == 0 else 'FAILED: ' + reads.stderr.decode()[-500:]}")
    failures = int(reads.returncode != 0)
    forms = changed_forms = comments = trailing = 0
    changed_files: list[Path] = []
    for path in files:
        twin = original / path.relative_to(annotated)
        before, after = _text(twin), _text(path)
        if before == after:
            continue
        changed_files.append(path)
        count, changed, problems = compare(before, after)
        anchors = comment_anchors(before)
        comments += len(anchors)
        trailing += sum(1 for token, _ in anchors if token)
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
    print(f"comments in changed files: {comments} ({trailing} after code), "
          "each on the line of the token it followed unless named above")
    print(f"top-level forms in changed files: {forms}, annotated (changed): {changed_forms}, "
          f"byte-identical: {forms - changed_forms}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
