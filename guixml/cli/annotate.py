"""``guixml annotate PATH... [--diff | --write]``: write the suggested properties.

Audits the given trees, then for every package that involves weights plans
the edit of its ``properties`` field (guixml/annotate/annotator.py).  By default it
prints each suggestion; ``--diff`` prints a unified diff; ``--write`` edits
the files in place, atomically.  A file that does not parse is left untouched
and reported; the others are still processed, and the exit status is then 2.
Running it twice changes nothing the second time.
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
from guixml.atomic import write_text_atomic
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
    return parser


@frozen
class Audited:
    """What the pipeline gives the annotator: the audit, where each file is,
    and the files that did not parse."""

    result: AuditResult
    files: dict[str, str] = field(factory=dict)  # as in package.file -> path
    unreadable: tuple[str, ...] = ()


def collect_audits(paths: Sequence[str]) -> Audited:
    """Audit PATHS with guixml's pipeline (guixml.api: index, then classifier)."""
    from guixml import api
    from guixml.scheme.reader import read_string

    index = api.load_channel(list(paths))
    result = api.audit(index)
    files = {relative: f.path for relative, f in getattr(index, "files", {}).items()}
    # The index reports a module it could not read among its errors; which of
    # them are syntax errors in the given files, our reader says again.
    unreadable = []
    for error in getattr(index, "errors", ()):
        relative = str(error).split(":", 1)[0]
        if relative not in files:
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


def plan_paths(paths: Sequence[str], audited: Audited) -> tuple[list[FilePlan], list[str]]:
    """The plan of every file with a package to annotate, and the files that failed."""
    from guixml.scheme.reader import read_string

    roots = [Path(path) for path in paths]
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
        by_file[path.resolve()].append(audit)
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
                    shown = properties_field(outcome.entries, "").splitlines()
                else:
                    shown = alist_lines([entry for entry in outcome.entries
                                         if entry.key in outcome.changed_keys])
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


def _print_diff(plans: Iterable[FilePlan], out) -> None:
    for plan in plans:
        if not plan.changed:
            continue
        out.writelines(difflib.unified_diff(
            plan.text.splitlines(keepends=True), plan.new_text.splitlines(keepends=True),
            fromfile=f"a/{plan.file}", tofile=f"b/{plan.file}"))


def summary(plans: Sequence[FilePlan], failures: Sequence[str], written: bool) -> str:
    """One line of counts, the same for all three modes."""
    counts = Counter(outcome.action for plan in plans for outcome in plan.outcomes)
    changed_files = sum(1 for plan in plans if plan.changed)
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
    return "guixml annotate: " + ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    plans, failures = plan_paths(args.paths, collect_audits(args.paths))
    out = sys.stdout
    if args.diff:
        _print_diff(plans, out)
    elif args.write:
        for plan in plans:
            if plan.changed:
                write_text_atomic(plan.file, plan.new_text)
        for plan in plans:
            for outcome in plan.outcomes:
                if outcome.action == "reported":
                    print(f"{_where(plan.file, outcome)}: {outcome.variable}: "
                          f"not annotated: {outcome.message}", file=sys.stderr)
    else:
        _print_suggestions(plans, out)
    for failure in failures:
        print(f"guixml: {failure}", file=sys.stderr)
    print(summary(plans, failures, args.write), file=sys.stderr)
    return 2 if failures else 0
