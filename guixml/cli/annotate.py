"""``guixml annotate PATH... [--diff | --write]``: write the suggested properties.

Audits the given trees, then for every package that involves weights plans
the edit of its ``properties`` field (guixml/annotate/annotator.py).  By default it
prints each suggestion; ``--diff`` prints a unified diff; ``--write`` edits
the files in place (guixml.atomic.rewrite_file: atomically, keeping links,
owner, mode and xattrs, or not at all).  Only regular files inside the given
trees (or the ``--only`` trees) are edited; a symbolic link is reported and
left alone unless ``--follow-symlinks``, and even then its target must lie
inside the trees.  A file that does not parse, or that cannot be written, is
left untouched and reported as ``file: reason``; the others are still
processed, and the exit status is then 2.  Running it twice changes nothing
the second time.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

from guixml.annotate.annotator import FilePlan, Outcome, plan_file
from guixml.atomic import NotWritten, rewrite_file
from guixml.annotate.emit import alist_lines, properties_field, suggested_entries
from guixml.errors import GuixmlError
from attrs import field, frozen

from guixml.classify.results import AuditResult, PackageAudit


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "annotate",
        help="write the suggested ML properties into package definitions",
        description=("Suggest, show as a diff, or write the ML `properties` annotations "
                     "of every package that involves pre-trained weights.  Only the "
                     "properties fields change; every other byte stays."))
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="channel or Guix tree roots, or module files")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff")
    mode.add_argument("--write", action="store_true", help="edit the files in place")
    parser.add_argument("--only", action="append", default=[], metavar="TREE",
                        help=("edit (and show) only files under TREE, one of the paths "
                              "or inside one; may be repeated"))
    parser.add_argument("--follow-symlinks", action="store_true",
                        help=("edit the target of a symbolically linked module, when it "
                              "lies inside the given trees (by default links are reported "
                              "and left alone)"))
    return parser


@frozen
class Audited:
    """What the pipeline gives the annotator: the audit, where each file is,
    and the files that did not parse."""

    result: AuditResult
    files: dict[str, str] = field(factory=dict)  # as in package.file -> path
    unreadable: tuple[str, ...] = ()


def collect_audits(paths: Sequence[str], only: Sequence[str] = ()) -> Audited:
    """Audit PATHS with guixml's pipeline (guixml.api: index, then classifier).

    With ONLY (trees or files), the files that could not be read are those
    under one of them: the other trees' are neither edited nor reported."""
    from guixml import api
    from guixml.scheme.reader import read_string

    index = api.load_channel(list(paths))
    result = api.audit(index)
    files = {relative: f.path for relative, f in getattr(index, "files", {}).items()}
    # The index reports a module it could not read among its errors; which of
    # them are syntax errors in the given files, our reader says again.
    unreadable = []
    kept = [os.path.abspath(tree) for tree in only]
    for error in getattr(index, "errors", ()):
        relative = str(error).split(":", 1)[0]
        if relative not in files:
            continue
        if kept and not any(_inside(os.path.abspath(files[relative]), tree) for tree in kept):
            continue
        try:
            read_string(_read(Path(files[relative])), relative)
        except GuixmlError as failure:
            unreadable.append(str(failure).splitlines()[0])
        except (OSError, UnicodeDecodeError):  # the index said where and why
            unreadable.append(str(error))
    return Audited(result, files, tuple(dict.fromkeys(unreadable)))


def _module_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(path.rglob("*.scm")))
        elif path.exists():
            files.append(path)
        else:
            raise GuixmlError(f"{path}: no such file or directory")
    return files


def _resolve(file: str, roots: Sequence[Path]) -> Path | None:
    """The file an audit's ``package.file`` names, tried against each root."""
    candidate = Path(file)
    if candidate.is_absolute():
        return candidate if candidate.exists() else None
    for root in roots:
        base = root if root.is_dir() else root.parent
        for joined in (base / candidate, base.parent / candidate):
            if joined.exists():
                return joined
        if root.is_file() and root.name == candidate.name:
            return root
    return candidate if candidate.exists() else None


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as stream:
        return stream.read()


def _inside(path: str, root: str) -> bool:
    """Whether PATH is ROOT or lies under it (both absolute and normalised)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def plan_paths(paths: Sequence[str], audited: Audited,
               only: Sequence[str] = ()) -> tuple[list[FilePlan], list[str]]:
    """The plan of every file with a package to annotate, and the files that failed.

    ONLY (trees or files) keeps the files under one of them; the others are
    neither planned nor counted.
    """
    from guixml.scheme.reader import read_string

    roots = [Path(path) for path in paths]
    kept = [os.path.abspath(tree) for tree in only]
    _module_files(paths)  # fail early on a missing path
    result = audited.result
    by_file: dict[Path, list[PackageAudit]] = defaultdict(list)
    failures: list[str] = list(audited.unreadable)
    for audit in result.packages:
        if audit.weights == "none" or not suggested_entries(audit):
            continue
        known = audited.files.get(audit.package.file)
        path = Path(known) if known else _resolve(audit.package.file, roots)
        if path is None:
            failures.append(f"{audit.package.file}: file not found for package "
                            f"{audit.package.variable or audit.package.name}")
            continue
        absolute = os.path.abspath(path)
        if kept and not any(_inside(absolute, tree) for tree in kept):
            continue
        by_file[Path(absolute)].append(audit)
    everyone = list(result.packages)
    plans: list[FilePlan] = []
    for path in sorted(by_file):
        shown = _shown(path)
        try:
            text = _read(path)
            forms = read_string(text, shown)
        except (GuixmlError, UnicodeDecodeError, OSError) as error:
            failures.append(f"{error}" if isinstance(error, GuixmlError)
                            else f"{shown}: {error}")
            continue
        plans.append(plan_file(shown, text, forms, by_file[path], everyone))
    return plans, failures


def _shown(path: Path) -> str:
    """PATH as the user will want to read it: relative to the working directory if inside."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _print_suggestions(plans: Iterable[FilePlan], out) -> None:
    for plan in plans:
        for outcome in plan.outcomes:
            where = _where(plan.file, outcome)
            name = outcome.variable or "package"
            if outcome.action in ("insert", "merge"):
                verb = "insert properties" if outcome.action == "insert" else \
                    "merge into properties: " + ", ".join(outcome.changed_keys)
                extra = f" ({outcome.message})" if outcome.message else ""
                print(f"{where}: {name}: {verb}{extra}", file=out)
                if outcome.action == "insert":
                    shown = properties_field(outcome.entries, "",
                                             note=outcome.note).splitlines()
                else:
                    shown = alist_lines([entry for entry in outcome.entries
                                         if entry.key in outcome.changed_keys], outcome.note)
                for line in shown:
                    print("    " + line, file=out)
            elif outcome.action == "reported":
                print(f"{where}: {name}: not annotated: {outcome.message}", file=out)
            elif outcome.action == "inherited":
                print(f"{where}: {name}: nothing to write: {outcome.message}", file=out)
            if outcome.review and outcome.action != "unchanged":
                print(f"{where}: {name}: to review: {', '.join(outcome.review)}", file=out)


def _where(file: str, outcome: Outcome) -> str:
    location = outcome.location
    if location is not None:
        return f"{file}:{location.line}:{location.column}"
    return file


def diff_name(file: str, roots: Sequence[str]) -> str:
    """FILE as a diff names it: relative to the deepest given tree holding it
    (``gnu/packages/x.scm`` for a Guix tree, so ``git apply`` takes it there),
    else relative to the working directory, never with a leading ``/``."""
    absolute = os.path.abspath(file)
    trees = sorted((os.path.abspath(root) if os.path.isdir(root)
                    else os.path.dirname(os.path.abspath(root)) for root in roots),
                   key=len, reverse=True)
    for tree in trees:
        if _inside(absolute, tree) and absolute != tree:
            return Path(os.path.relpath(absolute, tree)).as_posix()
    return Path(file).as_posix().lstrip("/")


def _print_diff(plans: Iterable[FilePlan], out, roots: Sequence[str] = ()) -> None:
    for plan in plans:
        if not plan.changed:
            continue
        name = diff_name(plan.file, roots)
        out.writelines(difflib.unified_diff(
            plan.text.splitlines(keepends=True), plan.new_text.splitlines(keepends=True),
            fromfile=f"a/{name}", tofile=f"b/{name}"))


def write_target(file: str, trees: Sequence[str], follow_symlinks: bool) -> str:
    """The file to rewrite for FILE, or NotWritten when it is not ours to edit.

    A file reached through a symbolic link (the file itself or a directory
    below the tree's root) is refused unless FOLLOW_SYMLINKS; then its
    resolved target must lie inside one of TREES (resolved too).
    """
    absolute = os.path.abspath(file)
    real = os.path.realpath(absolute)
    for tree in trees:
        tree = os.path.abspath(tree)
        if _inside(absolute, tree):
            expected = os.path.join(os.path.realpath(tree), os.path.relpath(absolute, tree))
            if os.path.normpath(expected) == real:
                return real
    if not follow_symlinks:
        raise NotWritten(f"reached through a symbolic link (to {_shown(Path(real))}); "
                         "not followed without --follow-symlinks")
    if not any(_inside(real, os.path.realpath(tree)) for tree in trees):
        raise NotWritten(f"a symbolic link to {_shown(Path(real))}, outside the given trees")
    return real


def write_plans(plans: Iterable[FilePlan], trees: Sequence[str],
                follow_symlinks: bool = False) -> list[str]:
    """Write every changed plan; the ``file: reason`` of each file not written."""
    unwritten: list[str] = []
    for plan in plans:
        if not plan.changed:
            continue
        try:
            target = write_target(plan.file, trees, follow_symlinks)
            rewrite_file(target, plan.text.encode("utf-8"), plan.new_text.encode("utf-8"))
        except NotWritten as refusal:
            unwritten.append(f"{plan.file}: {refusal}")
    return unwritten


def summary(plans: Sequence[FilePlan], failures: Sequence[str], written: bool,
            unwritten: Sequence[str] = ()) -> str:
    """One line of counts, the same for all three modes."""
    counts = Counter(outcome.action for plan in plans for outcome in plan.outcomes)
    changed_files = sum(1 for plan in plans if plan.changed) - len(unwritten)
    changes = counts["insert"] + counts["merge"]
    verb = "annotated" if written else "to annotate"
    parts = [f"{changes} package{'s' if changes != 1 else ''} {verb} "
             f"({counts['insert']} inserted, {counts['merge']} merged)",
             f"{counts['unchanged']} unchanged", f"{counts['inherited']} inherited",
             f"{counts['reported']} reported",
             f"{changed_files} file{'s' if changed_files != 1 else ''} "
             f"{'changed' if written else 'to change'}"]
    if failures:
        parts.append(f"{len(failures)} file{'s' if len(failures) != 1 else ''} not read")
    if unwritten:
        parts.append(f"{len(unwritten)} file{'s' if len(unwritten) != 1 else ''} not written")
    return "guixml annotate: " + ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    only = list(getattr(args, "only", None) or [])
    paths = [os.path.abspath(path) for path in args.paths]
    for tree in only:
        if not os.path.exists(tree) or not any(_inside(os.path.abspath(tree), path) for path in paths):
            raise GuixmlError(f"--only {tree}: not one of the given paths nor inside one")
    plans, failures = plan_paths(args.paths, collect_audits(args.paths, only), only)
    out = sys.stdout
    unwritten: list[str] = []
    if args.diff:
        _print_diff(plans, out, args.paths)
    elif args.write:
        unwritten = write_plans(plans, only or args.paths,
                                getattr(args, "follow_symlinks", False))
        for plan in plans:
            for outcome in plan.outcomes:
                if outcome.action == "reported":
                    print(f"{_where(plan.file, outcome)}: {outcome.variable}: "
                          f"not annotated: {outcome.message}", file=sys.stderr)
    else:
        _print_suggestions(plans, out)
    for failure in [*failures, *unwritten]:
        print(f"guixml: {failure}", file=sys.stderr)
    print(summary(plans, failures, args.write, unwritten), file=sys.stderr)
    return 2 if failures or unwritten else 0
