"""Planning the edits that write suggested ``properties`` into Guix modules.

Two levels:

* :func:`plan_package` — given a file's text, one ``(package …)`` form read
  from it (a :class:`~guixml.scheme.datum.List` with its span) and the desired
  entries, the :class:`~guixml.annotate.edit.Edit` s that insert a ``properties`` field
  or merge into the existing one.  Nothing else in the text moves.
* :func:`plan_file` — given a file's text and the audits of its packages,
  find each package's form (through ``let``, ``hidden-package``, procedures
  that make packages), apply the policies below and collect every edit and a
  per-package :class:`Outcome`.

Policies (docs/annotate.md explains why):

* **Insert** a ``properties`` field after the package's last field (in Guix
  that is nearly always ``license``, and ``properties`` conventionally closes
  a package), laid out by :func:`guixml.annotate.emit.properties_field`.
* **Merge** into an existing ``'(…)`` or ``` `(…)``` alist: our keys already
  there are replaced in place (only that entry's text), missing ones appended
  after the last entry, aligned with the first; every other entry and every
  comment stays.  An existing value is never replaced by ``unknown``/``#f``,
  nor when the audit took the role from the annotation itself
  (``from_properties``: the human wins), nor when it is computed (``,x``).
  A ``properties`` field that is an expression (``(alist-delete …)``, …) is
  reported, not edited.
* **Inherit**: a ``(package (inherit parent) …)`` without its own
  ``properties`` gets the parent's at run time.  When the child's facts equal
  the parent's, nothing is written (the parent carries them); when the parent
  has no properties at all, the field is inserted; otherwise a new field would
  silently drop the parent's other properties, so the package is reported.
* **Procedures**: a package made by a procedure of the same file
  (``(define (make-net …) (package …))``, possibly through a chain of
  procedures) is annotated inside the procedure only when every caller has
  the same suggested entries; otherwise each caller is reported.
* **Deprecated aliases** (``define-deprecated-package``) inherit their
  replacement's properties: nothing is written for them.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from attrs import field, frozen

from guixml.scheme.datum import DottedList, List, Location, Source, Symbol, equal
from guixml.annotate.edit import Edit, apply_edits, indent_like, insert_after, line_ending
from guixml.annotate.emit import (PropertyEntry, alist_lines, evidence_note, properties_field,
                                  suggested_entries)
from guixml.classify.results import PackageAudit
from guixml.scheme.writer import write

__all__ = ["Outcome", "PackageEdit", "FilePlan", "ACTIONS", "plan_package",
           "plan_file", "annotate_text", "tail_expression", "package_form_of"]

#: What happened to one package.
ACTIONS = ("insert", "merge", "unchanged", "inherited", "reported")


@frozen
class PackageEdit:
    """The edits for one package form, and what they amount to."""

    action: str
    edits: tuple[Edit, ...] = ()
    changed_keys: tuple[str, ...] = ()
    message: str = ""


@frozen
class Outcome:
    """What the annotator did (or would do) for one audited package."""

    file: str
    variable: str | None
    action: str
    message: str = ""
    location: Location | None = field(default=None, eq=False)
    changed_keys: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    entries: tuple[PropertyEntry, ...] = ()
    note: str = ""  # the evidence comment written with the entries, if any

    @property
    def changed(self) -> bool:
        return self.action in ("insert", "merge")


@frozen
class FilePlan:
    """Every edit planned for one file, and the outcome for each package."""

    file: str
    text: str
    edits: tuple[Edit, ...] = ()
    outcomes: tuple[Outcome, ...] = ()

    @property
    def new_text(self) -> str:
        return apply_edits(self.text, self.edits)

    @property
    def changed(self) -> bool:
        return bool(self.edits) and self.new_text != self.text


# --- Knowledge about forms --------------------------------------------------

@cache
def _forms() -> dict[str, frozenset[str]]:
    text = (Path(__file__).parent.parent / "data" / "annotate.toml").read_text("utf-8")
    return {key: frozenset(value) for key, value in tomllib.loads(text).items()}


def _head(datum: Any) -> str | None:
    if isinstance(datum, List) and datum and isinstance(datum[0], Symbol):
        return str(datum[0])
    return None


def _spanned(datum: Any) -> bool:
    return isinstance(datum, (List, DottedList)) and datum.source is not None


def tail_expression(expression: Any) -> Any:
    """The expression whose value EXPRESSION returns, through ``let``, ``begin``…

    Stops at anything else, including a package form or a procedure call.
    """
    forms = _forms()
    while True:
        head = _head(expression)
        if head in forms["binding_forms"]:
            body_start = 1 if head == "begin" else 2
            if head == "let" and len(expression) > 2 and isinstance(expression[1], Symbol):
                body_start = 3  # named let
            if len(expression) <= body_start:
                return expression
            expression = expression[-1]
        elif head in forms["package_wrappers"] and len(expression) == 2:
            expression = expression[1]
        else:
            return expression


def package_form_of(expression: Any) -> List | None:
    """The ``(package …)`` form EXPRESSION evaluates to, if it is written there."""
    tail = tail_expression(expression)
    if _head(tail) in _forms()["package_forms"] and _spanned(tail):
        return tail
    return None


def _fields(package: List) -> list[List]:
    """The field forms of a package form, in order (skipping package/inherit's parent)."""
    items = package[2:] if _head(package) == "package/inherit" else package[1:]
    return [item for item in items if isinstance(item, List) and item]


def _field(package: List, name: str) -> List | None:
    for item in _fields(package):
        if _head(item) == name:
            return item
    return None


def _inherit_parent(package: List) -> Any:
    """The parent expression of an inheriting package form, else None."""
    if _head(package) == "package/inherit":
        return package[1] if len(package) > 1 else None
    inherit = _field(package, "inherit")
    if inherit is not None and len(inherit) == 2:
        return inherit[1]
    return None


def _entry_key(entry: Any) -> str | None:
    if isinstance(entry, DottedList) and isinstance(entry.items[0], Symbol):
        return str(entry.items[0])
    if isinstance(entry, List) and entry and isinstance(entry[0], Symbol):
        return str(entry[0])
    return None


def _computed(datum: Any) -> bool:
    """Whether DATUM holds an ``unquote``: its value is computed at run time."""
    if isinstance(datum, List):
        # `(key . ,x)` reads as the list (key unquote x).
        if any(isinstance(item, Symbol) and str(item) in ("unquote", "unquote-splicing")
               for item in datum):
            return True
        return any(_computed(item) for item in datum)
    if isinstance(datum, DottedList):
        return any(_computed(item) for item in datum.items) or _computed(datum.tail)
    return False


# --- One package ------------------------------------------------------------

def plan_package(text: str, package: List, entries: Sequence[PropertyEntry],
                 keep_existing: bool = False, note: str = "",
                 splice: "Callable[[Any, Sequence[PropertyEntry]], str] | None" = None
                 ) -> PackageEdit:
    """The edits that give PACKAGE (a form read from TEXT) the entries ENTRIES.

    KEEP_EXISTING keeps every value already present (the audit took its facts
    from the annotation); missing keys are still added.  NOTE, a comment
    line, is written before the entries when ``ml-weights`` is added.
    SPLICE tells what an ``,@EXPR`` of the alist holds (:func:`_splice_policy`;
    by default ``"filter"``: it may hold our keys).
    """
    if not entries:
        return PackageEdit("unchanged")
    existing = _field(package, "properties")
    if existing is None:
        return _insert_field(text, package, entries, note)
    return _merge_field(text, existing, entries, keep_existing, note,
                        splice or (lambda _expression, _entries: "filter"))


def _insert_field(text: str, package: List, entries: Sequence[PropertyEntry],
                  note: str = "") -> PackageEdit:
    fields = [item for item in _fields(package) if _spanned(item)]
    if not fields:
        return PackageEdit("reported", message="package form has no fields to follow")
    last = fields[-1]
    indent = _field_indent(text, package, fields)
    newline = line_ending(text)
    field_text = properties_field(entries, indent, newline, note=note)
    edit = insert_after(text, last.end, package.end - 1, newline + indent + field_text)
    return PackageEdit("insert", (edit,), tuple(entry.key for entry in entries))


def _starts_line(text: str, offset: int) -> bool:
    start = text.rfind("\n", 0, offset) + 1
    return text[start:offset].strip(" \t") == ""


def _field_indent(text: str, package: List, fields: list[List]) -> str:
    """The indentation of the package's fields: that of the last field that starts a line."""
    for item in reversed(fields):
        if _starts_line(text, item.start):
            return indent_like(text, item.start)
    return indent_like(text, package.start) + "  "


def _merge_field(text: str, existing: List, entries: Sequence[PropertyEntry],
                 keep_existing: bool, note: str = "",
                 splice: "Callable[[Any, Sequence[PropertyEntry]], str] | None" = None
                 ) -> PackageEdit:
    value = existing[1] if len(existing) == 2 else None
    if not (_head(value) in ("quote", "quasiquote") and len(value) == 2
            and isinstance(value[1], List) and value[1].source is not None):
        return PackageEdit("reported", message="properties is computed by an expression; "
                           "add the entries by hand")
    alist: List = value[1]
    if not all(_spanned(item) for item in alist):
        return PackageEdit("reported", message="properties alist has an entry that is not a pair")
    splices = [item for item in alist if _head(value) == "quasiquote"
               and _head(item) == "unquote-splicing"]
    before_splice = list(alist)[:_position(alist, splices[0])] if splices else list(alist)
    present: dict[str, Any] = {}
    for item in before_splice:
        key = _entry_key(item)
        if key is not None and key not in present:
            present[key] = item
    edits: list[Edit] = []
    changed: list[str] = []
    missing: list[PropertyEntry] = []
    for entry in entries:
        current = present.get(entry.key)
        if current is None:
            missing.append(entry)
        elif (equal(_normalise(current), entry.datum) or not entry.known or keep_existing
              or _computed(current)):
            continue
        else:
            edits.append(Edit(current.start, current.end, entry.text))
            changed.append(entry.key)
    if missing and splices:
        first = _position(alist, splices[0])
        moved = first > 0 and text[alist[first - 1].end:splices[0].start].strip(" \t") == ""
        # where the first splice's expression will stand (on a line of its own)
        indent = indent_like(text, alist[0].start) + "  " if moved else None
        spliced = _splice_edits(text, splices, entries, splice,
                                bool(present.keys() & _our_keys(entries)), indent)
        if isinstance(spliced, PackageEdit):
            return spliced
        edits.extend(spliced)
    if missing:
        adds_role = any(entry.key == "ml-weights" for entry in missing)
        note = note if adds_role else ""
        if note and not alist:
            # '() : the note goes on the line before the field, as for an insertion.
            edits.append(Edit(existing.start, existing.start,
                              note + line_ending(text) + indent_like(text, existing.start)))
            note = ""
        edits.append(_append_entries(text, alist, missing, note,
                                     before=splices[0] if splices else None))
        changed.extend(entry.key for entry in missing)
    if not edits:
        return PackageEdit("unchanged")
    return PackageEdit("merge", tuple(edits), tuple(changed))


def _position(alist: List, item: Any) -> int:
    """The index of ITEM itself (not of an equal item) in ALIST."""
    return next(index for index, other in enumerate(alist) if other is item)


def _our_keys(entries: Sequence[PropertyEntry]) -> set[str]:
    return {entry.key for entry in entries}


def _splice_edits(text: str, splices: list[List], entries: Sequence[PropertyEntry],
                  splice: "Callable[[Any, Sequence[PropertyEntry]], str] | None",
                  own: bool, first_indent: str | None = None) -> "list[Edit] | PackageEdit":
    """What a quasiquoted alist's ``,@EXPR`` items need so that the entries we
    put in front of them override, without a key twice in the evaluated alist.

    Each EXPR is judged by SPLICE: ``"same"`` — it holds exactly our entries
    (the parent's, annotated alike): nothing to write at all, the splice
    carries them; ``"none"`` — it surely holds none of our keys: nothing to
    change in it; ``"filter"`` — it may: it is wrapped as Guix does,
    ``(fold alist-delete EXPR '(ml-… …))``, which needs ``(srfi srfi-1)``.
    """
    policy = splice or (lambda _expression, _entries: "filter")
    judged = [(item, policy(item[1] if len(item) == 2 else None, entries)) for item in splices]
    if not own and all(verdict == "same" for _, verdict in judged):
        names = ", ".join(write(item[1]) for item, _ in judged)
        return PackageEdit("inherited", message=f"gets the same facts through ,@{names}")
    edits: list[Edit] = []
    keys = " ".join(entry.key for entry in entries)
    for item, verdict in judged:
        if verdict == "none":
            continue
        expression = item[1] if len(item) == 2 else None
        if not _spanned(expression):
            return PackageEdit("reported", message=(
                "properties splice an expression whose keys guixml cannot filter; "
                "add the entries by hand"))
        if not _uses_srfi_1(text):
            return PackageEdit("reported", message=(
                f"properties splice ,@{write(expression)}, which may hold the same keys, "
                "and this module does not use (srfi srfi-1) for alist-delete; "
                "add the entries by hand"))
        indent = (first_indent if item is splices[0] and first_indent is not None
                  else indent_like(text, expression.start))
        edits.append(Edit(expression.start, expression.end,
                          _fold_alist_delete(text, expression, [e.key for e in entries],
                                             indent)))
    return edits


def _fold_alist_delete(text: str, expression: List, keys: Sequence[str], indent: str) -> str:
    """``(fold alist-delete EXPR '(KEY …))`` laid out as Guix does (gdb.scm):
    the key list under the first argument, filled to the width."""
    from guixml.annotate.emit import WIDTH
    newline = line_ending(text)
    argument = indent + " " * len("(fold ")
    lines: list[str] = []
    line = "'("
    for key in keys:
        if line != "'(" and len(argument) + len(line) + 1 + len(key) + 2 > WIDTH:
            lines.append(line)
            line = " " * 2
            line += key
        else:
            line += ("" if line.endswith("(") else " ") + key
    lines.append(line + ")")
    return (f"(fold alist-delete {text[expression.start:expression.end]}"
            + "".join(newline + argument + item for item in lines) + ")")


def _uses_srfi_1(text: str) -> bool:
    """Whether the module's text imports ``(srfi srfi-1)`` (fold, alist-delete)."""
    return re.search(r"\(srfi\s+srfi-1\)", text) is not None


def _normalise(entry: Any) -> Any:
    """ENTRY as a plain datum, so a read entry compares with a built one."""
    if isinstance(entry, DottedList):
        return DottedList(entry.items, entry.tail)
    return entry


def _append_entries(text: str, alist: List, entries: Sequence[PropertyEntry],
                    note: str = "", before: Any = None) -> Edit:
    """The edit that adds ENTRIES to ALIST: after its last entry, or, when
    BEFORE (a ``,@`` item) is given, after the last entry in front of it."""
    newline = line_ending(text)
    lines = alist_lines(entries, note)
    if before is not None:
        position = _position(alist, before)
        if position == 0:
            indent = indent_like(text, before.start)
            return Edit(before.start, before.start,
                        "".join(line + newline + indent for line in lines))
        previous = alist[position - 1]
        indent = indent_like(text, alist[0].start)
        added = "".join(newline + indent + line for line in lines)
        if text[previous.end:before.start].strip(" \t") == "":
            # The splice goes on a line of its own, under the entries.
            return Edit(previous.end, before.start, added + newline + indent)
        return insert_after(text, previous.end, before.start, added)
    if not alist:
        # '() : the entries go inside, aligned with the first.
        position = alist.start + 1
        indent = indent_like(text, position)
        return Edit(position, position, (newline + indent).join(lines))
    indent = indent_like(text, alist[0].start)
    return insert_after(text, alist[-1].end, alist.end - 1,
                        "".join(newline + indent + line for line in lines))


def annotate_text(text: str, package: List, entries: Sequence[PropertyEntry],
                  keep_existing: bool = False) -> str:
    """TEXT with PACKAGE's properties holding ENTRIES (a convenience for one package)."""
    return apply_edits(text, plan_package(text, package, entries, keep_existing).edits)


# --- One file ---------------------------------------------------------------

@frozen
class _Definition:
    name: str
    form: List
    procedure: bool
    value: Any  # the expression (variables) or the body's tail (procedures)


def _definitions(forms: Iterable[Any]) -> dict[str, _Definition]:
    defines = _forms()["define_forms"]
    lambdas = _forms()["lambda_forms"]
    table: dict[str, _Definition] = {}
    for form in forms:
        if _head(form) not in defines or len(form) < 3:
            continue
        target = form[1]
        if isinstance(target, Symbol):
            value = form[2] if len(form) == 3 else None
            if _head(value) in lambdas and len(value) >= 3:
                table[str(target)] = _Definition(str(target), form, True, value[-1])
            else:
                table[str(target)] = _Definition(str(target), form, False, value)
        elif isinstance(target, (List, DottedList)):
            name = target[0] if isinstance(target, List) and target else (
                target.items[0] if isinstance(target, DottedList) else None)
            if isinstance(name, Symbol):
                table[str(name)] = _Definition(str(name), form, True, form[-1])
    return table


def _offset_of(source_text: str, location: Location) -> int:
    """The character offset of LOCATION in the text, from its line and column."""
    line_begin = 0
    for _ in range(location.line - 1):
        line_begin = source_text.find("\n", line_begin) + 1
        if line_begin == 0:
            return -1
    return line_begin + location.column


def _enclosing_form(forms: Sequence[Any], offset: int) -> List | None:
    for form in forms:
        if _spanned(form) and form.start <= offset < form.end:
            return form
    return None


def plan_file(file: str, text: str, forms: Sequence[Any],
              audits: Sequence[PackageAudit],
              all_audits: Sequence[PackageAudit] = ()) -> FilePlan:
    """Plan the annotation of the packages AUDITS (all from FILE, read as FORMS).

    ALL_AUDITS (every audit of the run, defaulting to AUDITS) is consulted for
    inherit parents and for callers of a package-making procedure.
    """
    everyone = list(all_audits) or list(audits)
    by_variable = {a.package.variable: a for a in everyone if a.package.variable}
    definitions = _definitions(forms)
    outcomes: list[Outcome] = []
    edits: list[Edit] = []
    planned: set[int] = set()  # start offsets of the package forms already edited
    procedure_callers: dict[str, list[tuple[PackageAudit, tuple[PropertyEntry, ...]]]] = \
        defaultdict(list)

    def outcome(audit: PackageAudit, entries: tuple[PropertyEntry, ...], action: str,
                message: str = "", changed: tuple[str, ...] = (), note: str = "") -> None:
        outcomes.append(Outcome(
            file=file, variable=audit.package.variable, action=action, message=message,
            location=audit.package.location, changed_keys=changed,
            review=tuple(e.key for e in entries if not e.known), entries=entries,
            note=note if "ml-weights" in changed else ""))

    for audit in audits:
        entries = suggested_entries(audit)
        if not entries:
            continue
        if audit.package.deprecated or audit.package.superseded:
            # define-deprecated-package: an alias inheriting its replacement,
            # properties included; the replacement carries the facts.
            outcome(audit, entries, "inherited",
                    f"deprecated alias of {audit.package.superseded or 'another package'}")
            continue
        form = _locate(audit, definitions, forms, text)
        if form is None:
            outcome(audit, entries, "reported", "definition not found in the file")
            continue
        expression = form[2] if _head(form) in _forms()["define_forms"] and len(form) > 2 \
            else form
        package = package_form_of(expression)
        if package is None:
            tail = tail_expression(expression)
            maker = _head(tail)
            chain = _maker_chain(maker, definitions)
            if chain:
                procedure_callers[chain[-1]].append((audit, entries))
            else:
                outcome(audit, entries, "reported",
                        f"made by {maker or 'an expression'}; not a package form to edit")
            continue
        if package.start in planned:
            outcome(audit, entries, "unchanged", "package form already annotated")
            continue
        note = evidence_note(audit) if audit.weights == "external" else ""
        result = _plan_with_inherit(text, package, entries, audit, by_variable, definitions,
                                    note)
        planned.add(package.start)
        edits.extend(result.edits)
        outcome(audit, entries, result.action, result.message, result.changed_keys, note)

    for maker, callers in procedure_callers.items():
        result = _plan_procedure(text, maker, callers, definitions, everyone, forms)
        for audit, entries in callers:
            if result.action == "reported":
                outcome(audit, entries, "reported", result.message)
            else:
                outcome(audit, entries, result.action,
                        f"annotated in procedure {maker}", result.changed_keys)
        edits.extend(result.edits)

    return FilePlan(file, text, tuple(edits), tuple(outcomes))


def _locate(audit: PackageAudit, definitions: dict[str, _Definition],
            forms: Sequence[Any], text: str) -> List | None:
    variable = audit.package.variable
    if variable and variable in definitions and not definitions[variable].procedure:
        return definitions[variable].form
    location = audit.package.location
    if location is not None:
        offset = _offset_of(text, location)
        if offset >= 0:
            return _enclosing_form(forms, offset)
    return None


def _splice_policy(by_variable: dict[str, PackageAudit]
                   ) -> Callable[[Any, Sequence[PropertyEntry]], str]:
    """What ``,@(package-properties NAME)`` holds, judged from NAME's audit:
    ``"same"`` when NAME gets exactly the ENTRIES, ``"none"`` when NAME has
    no ``ml-`` key and gets none, else ``"filter"`` (also for any other
    expression, or a NAME not audited)."""
    def judge(expression: Any, entries: Sequence[PropertyEntry]) -> str:
        if not (_head(expression) == "package-properties" and len(expression) == 2
                and isinstance(expression[1], Symbol)):
            return "filter"
        parent = by_variable.get(str(expression[1]))
        if parent is None:
            return "filter"
        suggested = suggested_entries(parent)
        if suggested and tuple(suggested) == tuple(entries):
            return "same"
        holds = any(str(name).startswith("ml-") for name, _ in parent.package.properties or ())
        if not suggested and not holds and (parent.package.properties is not None
                                            or parent.package.inherit is None):
            return "none"
        return "filter"
    return judge


def _plan_with_inherit(text: str, package: List, entries: tuple[PropertyEntry, ...],
                       audit: PackageAudit, by_variable: dict[str, PackageAudit],
                       definitions: dict[str, _Definition], note: str = "") -> PackageEdit:
    parent = _inherit_parent(package)
    if parent is None or _field(package, "properties") is not None:
        return plan_package(text, package, entries, audit.from_properties, note,
                            _splice_policy(by_variable))
    parent_name = str(parent) if isinstance(parent, Symbol) else None
    parent_audit = by_variable.get(parent_name) if parent_name else None
    if parent_audit is not None and suggested_entries(parent_audit) == entries:
        return PackageEdit("inherited", message=f"inherits the same facts from {parent_name}")
    if parent_name and _has_no_properties(parent_name, definitions, parent_audit):
        return plan_package(text, package, entries, audit.from_properties, note)
    return PackageEdit("reported", message=(
        f"inherits properties from {parent_name or 'its parent'}; a properties field "
        "here would drop them, add the entries by hand"))


def _has_no_properties(parent: str, definitions: dict[str, _Definition],
                       parent_audit: PackageAudit | None) -> bool:
    """Whether the parent package surely has no properties to lose."""
    definition = definitions.get(parent)
    if definition is not None and not definition.procedure:
        form = package_form_of(definition.value)
        return (form is not None and _field(form, "properties") is None
                and _inherit_parent(form) is None
                and tail_expression(definition.value) is definition.value)
    if parent_audit is not None:
        package = parent_audit.package
        return package.properties is None and package.inherit is None
    return False


def _maker_chain(name: str | None, definitions: dict[str, _Definition]) -> list[str]:
    """The procedures NAME calls in tail position down to the one whose body is
    a package form (``make-x`` → ``make-base`` → ``(package …)``); empty when
    the chain leaves the file or ends elsewhere."""
    chain: list[str] = []
    while name is not None and name not in chain:
        definition = definitions.get(name)
        if definition is None or not definition.procedure:
            return []
        chain.append(name)
        if package_form_of(definition.value) is not None:
            return chain
        name = _head(tail_expression(definition.value))
    return []


def _plan_procedure(text: str, maker: str,
                    callers: list[tuple[PackageAudit, tuple[PropertyEntry, ...]]],
                    definitions: dict[str, _Definition],
                    everyone: Sequence[PackageAudit], forms: Sequence[Any]) -> PackageEdit:
    """Annotate the package form inside procedure MAKER if all its callers agree."""
    facts = {entries for _, entries in callers}
    audited = {audit.package.variable for audit, _ in callers}
    # The procedures that end up calling MAKER (make-x → make-base) count too.
    makers = {name for name, definition in definitions.items()
              if definition.procedure and (_maker_chain(name, definitions) or [None])[-1] == maker}
    # Every definition of this file that calls MAKER, audited or not, must agree,
    # and so must packages made by MAKER elsewhere (the audit's generator).
    for name, definition in definitions.items():
        if definition.procedure or name in audited:
            continue
        if _head(tail_expression(definition.value)) in makers:
            return PackageEdit("reported", message=(
                f"made by procedure {maker}, whose caller {name} has other facts"))
    for audit in everyone:
        if audit.package.generator in makers and audit.package.variable not in audited:
            other = suggested_entries(audit)
            facts.add(other)
    if len(facts) != 1:
        return PackageEdit("reported", message=(
            f"made by procedure {maker}, whose callers have different facts"))
    (entries,) = facts
    if not entries:
        return PackageEdit("reported", message=(
            f"made by procedure {maker}, some of whose callers involve no weights"))
    package = package_form_of(definitions[maker].value)
    assert package is not None
    if _inherit_parent(package) is not None and _field(package, "properties") is None:
        return PackageEdit("reported", message=(
            f"made by procedure {maker} from an inherited package; add the entries by hand"))
    keep = any(audit.from_properties for audit, _ in callers)
    return plan_package(text, package, entries, keep)
