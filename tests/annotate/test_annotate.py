"""Planning the properties edits of a module (guixml/annotate/annotator.py).

Guile is the oracle: annotated text must read in Guile as the data our reader
sees, and every top-level form without an edit must be byte-identical.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from guixml.annotate.annotator import FilePlan, annotate_text, plan_file, plan_package
from guixml.scheme.datum import DottedList, List, Symbol, sym
from guixml.annotate.emit import PropertyEntry, suggested_entries
from guixml.evaluate.model import Package
from guixml.scheme.reader import read_string
from guixml.classify.results import PackageAudit
from guixml.scheme.writer import write

from _annotate_fixtures import (EXPECTED, NAMES, audit_result, audits_for, fixture_text,
                                guile_read)
from annotate_acceptance import _same_gap as same_gap, comment_anchors, moved_comments


def plan_fixture(name: str, text: str | None = None) -> FilePlan:
    text = fixture_text(name) if text is None else text
    return plan_file(f"{name}.scm", text, read_string(text, name), audits_for(name),
                     audit_result().packages)


def expected_text(name: str) -> str:
    with open(EXPECTED / f"{name}.scm", encoding="utf-8", newline="") as stream:
        return stream.read()


def changed_forms(before: str, after: str) -> set[int]:
    """Indices of the top-level forms whose text differs; the text between forms
    must not (but for a comment on an annotated form's last line, which moves
    into it with that line's code), and every comment must still follow the
    token it followed (tests/annotate_acceptance.py)."""
    old, new = read_string(before), read_string(after)
    assert len(old) == len(new)
    changed = set()
    old_end = new_end = 0
    edited = False
    for index, (a, b) in enumerate(zip(old, new)):
        assert same_gap(before[old_end:a.start], after[new_end:b.start], edited), \
            "text between forms moved"
        edited = a.text != b.text
        if edited:
            changed.add(index)
        old_end, new_end = a.end, b.end
    assert same_gap(before[old_end:], after[new_end:], edited)
    assert moved_comments(before, after) == []
    return changed


def outcomes(plan: FilePlan) -> dict[str, str]:
    return {outcome.variable: outcome.action for outcome in plan.outcomes}


# --- The fixtures -------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_annotated_as_expected(name):
    assert plan_fixture(name).new_text == expected_text(name)


@pytest.mark.parametrize("name", NAMES)
def test_second_run_changes_nothing(name):
    plan = plan_fixture(name, expected_text(name))
    assert plan.edits == ()
    assert not any(outcome.changed for outcome in plan.outcomes)


@pytest.mark.parametrize("name", NAMES)
def test_only_annotated_forms_change(name):
    before, after = fixture_text(name), expected_text(name)
    forms = read_string(before)
    names = {index: str(form[1]) for index, form in enumerate(forms)
             if isinstance(form, List) and len(form) > 1 and isinstance(form[1], Symbol)}
    procedures = {index: str(form[1][0]) for index, form in enumerate(forms)
                  if isinstance(form, List) and len(form) > 1 and isinstance(form[1], List)}
    edited = {o.variable for o in plan_fixture(name).outcomes if o.changed}
    makers = {o.message.rsplit(" ", 1)[-1] for o in plan_fixture(name).outcomes
              if o.changed and o.message.startswith("annotated in procedure")}
    expected = {i for i, n in names.items() if n in edited and not makers} | \
               {i for i, n in procedures.items() if n in makers}
    assert changed_forms(before, after) == expected


@pytest.mark.guile
def test_guile_reads_every_annotated_fixture():
    files = [EXPECTED / f"{name}.scm" for name in NAMES]
    ours = [write(form) for file in files for form in read_string(file.read_text("utf-8"))]
    assert guile_read(*files) == ours


def test_insert_outcomes():
    assert outcomes(plan_fixture("insert")) == {
        "hexgame-net-small": "insert", "hexgame": "insert",
        "backgammon-bot": "insert", "go-engine-lite": "insert"}


def test_insert_goes_after_the_last_field_and_keeps_its_comment():
    text = expected_text("insert")
    assert "(license license:gpl3+)  ; engine and build scripts\n    (properties '(" in text
    assert ";; The networks are published under the same licence as the engine.\n" \
           "    (license license:gpl3+)\n    (properties" in text


def test_merge_outcomes_and_what_is_kept():
    plan = plan_fixture("merge")
    assert outcomes(plan) == {
        "ocr-models-fast": "merge", "r-textnet": "merge", "chess-engine": "merge",
        "speech-model": "merge", "speech-model-extra": "reported"}
    text = plan.new_text
    assert ";; Upstream tags releases irregularly.\n" in text
    assert "(upstream-name . ,(string-append \"text\" \"Net\"))\n" in text
    # Updated in place; the reviewer's fact and its comment stay.
    assert '(ml-weight-inputs "net-big" "net-small")\n' in text
    assert "(ml-training-data . public)           ;games published by the project\n" in text
    chess = [o for o in plan.outcomes if o.variable == "chess-engine"][0]
    assert chess.changed_keys == ("ml-weight-inputs", "ml-training-software",
                                  "ml-reproducibility")


def test_generated_packages_annotated_at_the_procedure_only_when_callers_agree():
    plan = plan_fixture("generated")
    assert outcomes(plan) == {"board-net-a": "insert", "board-net-b": "insert",
                              "voice-anna": "reported", "voice-bert": "reported",
                              "tile-net-x": "insert", "tile-net-y": "insert"}
    # One field in make-board-net, one two calls down in make-tile-net-base.
    assert plan.new_text.count("(properties") == 2
    assert len(plan.edits) == 2


def test_inherit_policy():
    plan = plan_fixture("inherit")
    assert outcomes(plan) == {"tagger-model": "merge", "tagger-model-2.1": "inherited",
                              "tagger-model-small": "reported",
                              "tagger-with-model": "insert",
                              "tagger-model-old": "inherited"}


def test_odd_indentation_is_followed():
    text = expected_text("odd-indent")
    assert "\t  (license license:expat)    ;   the net\n\t  (properties '(" in text
    assert "\n\t                (ml-weights-license . \"MIT\")\n" in text
    assert "         (properties '((ml-weights . model)\n" in text


def test_caller_that_is_not_audited_blocks_the_procedure():
    text = fixture_text("generated")
    audits = [a for a in audits_for("generated") if a.package.variable == "board-net-a"]
    plan = plan_file("generated.scm", text, read_string(text), audits, audits)
    assert outcomes(plan) == {"board-net-a": "reported"}
    assert plan.edits == ()


def test_unknown_definition_is_reported():
    audit = PackageAudit(Package("(m)", "m.scm", "ghost", "ghost", "1"), weights="model")
    plan = plan_file("m.scm", "(define x 1)\n", read_string("(define x 1)\n"), [audit])
    assert outcomes(plan) == {"ghost": "reported"}


# --- plan_package on its own --------------------------------------------------

PACKAGE = """(package
  (name "p")
  (properties '((ml-weights . model)
                (ml-weights-license . "MIT")
                (ml-training-data . free)))
  (license x))"""

ENTRIES = (PropertyEntry("ml-weights", sym("separate")),
           PropertyEntry("ml-weight-inputs", ("net",)),
           PropertyEntry("ml-weights-license", False, known=False),
           PropertyEntry("ml-training-data", sym("unknown"), known=False))


def test_known_values_are_updated_in_place_unknowns_never_replace_facts():
    (form,) = read_string(PACKAGE)
    new = annotate_text(PACKAGE, form, ENTRIES)
    assert "(ml-weights . separate)\n" in new
    assert '(ml-weights-license . "MIT")' in new
    assert "(ml-training-data . free)" in new
    assert '(ml-weight-inputs "net")' in new


def test_keep_existing_only_adds_missing_keys():
    (form,) = read_string(PACKAGE)
    edit = plan_package(PACKAGE, form, ENTRIES, keep_existing=True)
    assert edit.changed_keys == ("ml-weight-inputs",)
    assert "(ml-weights . model)" in annotate_text(PACKAGE, form, ENTRIES, True)


def test_computed_values_are_never_replaced():
    text = "(package (name \"p\") (properties `((ml-weights . ,role))))"
    (form,) = read_string(text)
    edit = plan_package(text, form, (PropertyEntry("ml-weights", sym("model")),))
    assert edit.action == "unchanged"


def test_crlf_file_stays_crlf():
    text = "(package\r\n  (name \"p\")\r\n  (license x))\r\n"
    (form,) = read_string(text)
    entries = suggested_entries(PackageAudit(Package("(m)", "m", "p", "p", "1"),
                                             weights="model"))
    new = annotate_text(text, form, entries)
    assert "\n" not in new.replace("\r\n", "")
    assert new.startswith("(package\r\n  (name \"p\")\r\n  (license x)\r\n  (properties")


# --- Open-ended inputs ----------------------------------------------------------

OTHER_KEYS = ("upstream-name", "tunable?", "release-monitoring-url", "hidden?")
ML_KEYS = ("ml-weights", "ml-weight-inputs", "ml-weights-license", "ml-training-data")
strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
values = st.one_of(strings, st.booleans(), st.sampled_from([sym("model"), sym("unknown")]))
blank = st.sampled_from([" ", "\n  ", "\n\t", "  ;; a comment\n   ", " #| block |# ",
                         "\n\n    "])


@st.composite
def existing_alists(draw):
    keys = draw(st.lists(st.sampled_from(OTHER_KEYS + ML_KEYS), unique=True, max_size=5))
    entries = []
    for key in keys:
        value = draw(values)
        if draw(st.booleans()):
            entries.append(f"({key} . {write(value)})")
        else:
            entries.append(f"({key} {write(value)} {write(draw(strings))})")
    separators = [draw(blank) for _ in entries]
    body = "".join(entry + (separators[i] if i < len(entries) - 1 else "")
                   for i, entry in enumerate(entries))
    if entries:
        body += draw(st.sampled_from(["", " ;after the last entry\n   ", "\n"]))
    quote = draw(st.sampled_from(["'", "`"]))
    indent = draw(st.sampled_from(["  ", "    ", "\t", "      "]))
    tail = draw(st.sampled_from(["", " ;trailing\n", "\n" + indent]))
    text = (f"(define-public p\n{indent}(package\n{indent}  (name \"p\")\n"
            f"{indent}  (properties {quote}({body}))\n{indent}  (license x)){tail})\n")
    return text, keys


@st.composite
def suggestions(draw):
    role = draw(st.sampled_from(["model", "separate", "tangled", "external"]))
    inputs = tuple(draw(st.lists(strings, min_size=1, max_size=3)))
    license = draw(st.one_of(st.none(), strings))
    audit = PackageAudit(Package("(m)", "m.scm", "p", "p", "1"), weights=role,
                         weight_inputs=inputs, weights_license=license)
    return suggested_entries(audit)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(existing_alists(), suggestions(), st.booleans())
def test_merge_into_random_alists(tmp_path, existing, entries, keep):
    text, keys = existing
    (form,) = read_string(text)
    package = form[2]
    edit = plan_package(text, package, entries, keep_existing=keep)
    new = annotate_text(text, package, entries, keep)
    (new_form,) = read_string(new)
    alist = new_form[2][2][1][1]
    by_key = {}
    for entry in alist:
        head = entry.items[0] if isinstance(entry, DottedList) else entry[0]
        by_key.setdefault(str(head), entry)
    # Every key that was there is still there, in the same order, and ours are added.
    old_order = [k for k in keys]
    new_order = [str(e.items[0] if isinstance(e, DottedList) else e[0]) for e in alist]
    assert new_order[:len(old_order)] == old_order
    assert set(new_order) == set(old_order) | {entry.key for entry in entries}
    # Other keys' text is untouched.
    (old_form,) = read_string(text)
    for entry in old_form[2][2][1][1]:
        head = entry.items[0] if isinstance(entry, DottedList) else entry[0]
        if not str(head).startswith("ml-"):
            assert text[entry.start:entry.end] in new
    # A second run changes nothing.
    assert plan_package(new, new_form[2], entries, keep).edits == ()
    assert edit.action in ("merge", "unchanged")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(existing_alists(), suggestions())
@pytest.mark.guile
def test_guile_reads_random_merges(tmp_path, existing, entries):
    text, _ = existing
    (form,) = read_string(text)
    new = annotate_text(text, form[2], entries)
    path = tmp_path / "merged.scm"
    path.write_text(new, encoding="utf-8")
    assert guile_read(path) == [write(datum) for datum in read_string(new)]


field_texts = st.sampled_from(['(name "p")', '(version "1.0")', "(source #f)",
                                '(synopsis "A \\"quoted\\" synopsis")',
                                "(inputs (list a b))", "(license license:gpl3+)",
                                "(arguments\n     (list #:tests? #f))"])
gaps = st.sampled_from(["\n    ", "\n\t", " ", "\n    ;; a comment line\n    ",
                        "  ; margin comment\n    ", "\n\n    ", " #;(dropped) "])
trailers = st.sampled_from(["", " ;the last field\n", "\n", "\n    ;; closing\n    ",
                            "\r\n"])


@st.composite
def packages_without_properties(draw):
    fields = draw(st.lists(field_texts, min_size=1, max_size=6))
    body = fields[0] + "".join(draw(gaps) + item for item in fields[1:])
    head = draw(st.sampled_from(["(package\n    ", "(package ", "(package\n\t"]))
    text = f"(define-public p\n  {head}{body}{draw(trailers)}))\n"
    return text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(packages_without_properties(), suggestions())
def test_insert_into_random_packages(tmp_path, text, entries):
    (form,) = read_string(text)
    new = annotate_text(text, form[2], entries)
    (new_form,) = read_string(new)
    package = new_form[2]
    # The old fields, then ours, last; the text before the insertion point is untouched.
    assert [item[0] for item in package[1:]][-1] == sym("properties")
    assert [write(item) for item in package[1:-1]] == [write(item) for item in form[2][1:]]
    alist = package[-1][1][1]
    assert [write(item) for item in alist] == [write(entry.datum) for entry in entries]
    edit = plan_package(text, form[2], entries).edits[0]
    assert new[:edit.start] == text[:edit.start] and new.endswith(text[edit.end:])
    assert plan_package(new, package, entries).edits == ()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(packages_without_properties(), suggestions())
@pytest.mark.guile
def test_guile_reads_random_insertions(tmp_path, text, entries):
    (form,) = read_string(text)
    new = annotate_text(text, form[2], entries)
    path = tmp_path / "inserted.scm"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(new)
    assert guile_read(path) == [write(datum) for datum in read_string(new)]


# --- The real Guix tree -----------------------------------------------------------

REAL_MODULES = ("games.scm", "machine-learning.scm", "ocr.scm", "chess.scm",
                "statistics.scm", "cran.scm")


@pytest.mark.realtree
@pytest.mark.guile
def test_annotating_every_package_of_real_modules(tmp_path):
    """A stress test of the editor: every package definition of a few real
    modules gets a (fictitious) annotation; Guile still reads them, forms
    without an edit are byte-identical, and a second pass changes nothing."""
    root = os.environ.get("GUIX_SOURCE")
    if not root:
        pytest.skip("GUIX_SOURCE is not set")
    for module in REAL_MODULES:
        source = Path(root) / "gnu" / "packages" / module
        if not source.exists():
            continue
        with open(source, encoding="utf-8", newline="") as stream:
            text = stream.read()
        forms = read_string(text, str(source))
        audits = _every_package(module, forms)
        plan = plan_file(module, text, forms, audits)
        new = plan.new_text
        changed = changed_forms(text, new)
        edited = {o.variable for o in plan.outcomes if o.changed}
        for index in changed:
            assert str(forms[index][1]) in edited or isinstance(forms[index][1], List)
        target = tmp_path / module
        target.write_text(new, encoding="utf-8")
        assert guile_read(target) == [write(datum) for datum in read_string(new)]
        again = plan_file(module, new, read_string(new), audits)
        assert again.edits == (), module


def _every_package(module: str, forms) -> list[PackageAudit]:
    return [PackageAudit(Package("(m)", module, str(form[1]), str(form[1]), "1"),
                         weights="separate", weight_inputs=("net",), weights_license="MIT")
            for form in forms
            if isinstance(form, List) and len(form) == 3
            and form[0] in (sym("define-public"), sym("define"))
            and isinstance(form[1], Symbol)]


@pytest.mark.realtree
def test_every_comment_of_the_tree_stays_with_its_code():
    """Every package of every module of the tree annotated (fictitiously): every
    comment is still on the line of the token it followed, the text between
    forms stays, and a second pass changes nothing."""
    root = os.environ.get("GUIX_SOURCE")
    if not root:
        pytest.skip("GUIX_SOURCE is not set")
    modules = sorted((Path(root) / "gnu" / "packages").glob("*.scm"))
    trailing = 0
    for source in modules:
        with open(source, encoding="utf-8", newline="") as stream:
            text = stream.read()
        forms = read_string(text, str(source))
        audits = _every_package(source.name, forms)
        plan = plan_file(source.name, text, forms, audits)
        if not plan.changed:
            continue
        changed_forms(text, plan.new_text)
        trailing += sum(1 for token, _ in comment_anchors(text) if token)
        again = plan_file(source.name, plan.new_text, read_string(plan.new_text), audits)
        assert again.edits == (), source.name
    assert trailing > 1000  # the tree has thousands of comments after code


# --- The splice idiom: `((key . val) ,@(package-properties parent)) ----------------

SPLICE = """(define-module (t splice){imports})
(define-public base
  (package
    (name "base")
    (license license:expat)))
(define-public child
  (package
    (inherit base)
    (name "child")
    (properties `((hidden? . #t) ,@(package-properties base)))
    (license license:expat)))
"""


def splice_plan(parent_role: str, parent_properties=None, srfi_1: bool = True):
    text = SPLICE.format(imports="\n  #:use-module (srfi srfi-1)" if srfi_1 else "")
    parent = PackageAudit(Package("(t splice)", "s.scm", "base", "base", "1",
                                  properties=parent_properties),
                          weights=parent_role, weights_license="MIT")
    child = PackageAudit(Package("(t splice)", "s.scm", "child", "child", "1"),
                         weights="model", weights_license="Apache-2.0")
    return text, plan_file("s.scm", text, read_string(text), [child], [parent, child])


def test_splice_of_a_parent_with_the_same_facts_writes_nothing():
    text = SPLICE.format(imports="")
    audit = PackageAudit(Package("(t splice)", "s.scm", "base", "base", "1"),
                         weights="model", weights_license="MIT")
    child = PackageAudit(Package("(t splice)", "s.scm", "child", "child", "1"),
                         weights="model", weights_license="MIT")
    plan = plan_file("s.scm", text, read_string(text), [child], [audit, child])
    assert outcomes(plan) == {"child": "inherited"} and not plan.changed


def test_splice_of_a_parent_without_ml_keys_gets_the_entries_in_front():
    text, plan = splice_plan("none", parent_properties=(("upstream-name", "Base"),))
    assert outcomes(plan) == {"child": "merge"}
    new = plan.new_text
    assert "fold alist-delete" not in new
    assert new.index("(ml-weights . model)") < new.index(",@(package-properties base)")
    assert plan_file("s.scm", new, read_string(new), [], []).edits == ()


def test_splice_of_a_parent_with_other_facts_is_filtered_as_guix_does():
    text, plan = splice_plan("tangled")
    new = plan.new_text
    assert (",@(fold alist-delete (package-properties base) '(ml-weights "
            "ml-weights-license ml-training-software ml-training-data "
            "ml-reproducibility))") in " ".join(new.split())
    assert new.index("(ml-weights . model)") < new.index(",@(fold")
    child = plan.outcomes[0]
    again = plan_file("s.scm", new, read_string(new), [PackageAudit(
        Package("(t splice)", "s.scm", "child", "child", "1"), weights="model",
        weights_license="Apache-2.0")], [])
    assert child.action == "merge" and again.edits == ()


def test_splice_without_srfi_1_is_reported():
    text, plan = splice_plan("tangled", srfi_1=False)
    assert outcomes(plan) == {"child": "reported"} and not plan.changed
    assert "srfi srfi-1" in plan.outcomes[0].message


@pytest.mark.guile
def test_guile_evaluates_the_filtered_splice_without_a_key_twice(tmp_path):
    """Guile evaluates the annotated alist, the parent holding ml- keys: each key
    once, the child's values first (what assq-ref sees)."""
    from _annotate_fixtures import guile_or_skip
    import subprocess
    _, plan = splice_plan("tangled")
    (form,) = [f for f in read_string(plan.new_text) if len(f) > 1 and f[1] == sym("child")]
    properties = next(item for item in form[2][1:] if item[0] == sym("properties"))
    script = tmp_path / "eval.scm"
    script.write_text(
        "(use-modules (srfi srfi-1) (ice-9 match))\n"
        "(define base #f)\n"
        "(define (package-properties _) '((ml-weights . tangled) (upstream-name . \"B\")"
        " (ml-weights-license . \"MIT\")))\n"
        f"(define alist {write(properties[1])})\n"
        "(write (map car alist)) (newline)\n"
        "(write (assq-ref alist 'ml-weights)) (newline)\n")
    out = subprocess.run([guile_or_skip(), "--no-auto-compile", "-s", str(script)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    keys = out[0].strip("()").split()
    assert len(keys) == len(set(keys)) and "upstream-name" in keys and "hidden?" in keys
    assert out[1] == "model"


def test_an_empty_alist_gets_the_evidence_note_before_the_field():
    from guixml.classify.results import Evidence
    text = ("(define-public runner\n  (package\n    (name \"runner\")\n"
            "    (properties '())\n    (license license:expat)))\n")
    (form,) = read_string(text)
    audit = PackageAudit(Package("(m)", "m.scm", "runner", "runner", "1"), weights="external",
                         evidence=(Evidence("fact.runner", "source", ""),))
    plan = plan_file("m.scm", text, [form], [audit])
    assert plan.new_text == (
        "(define-public runner\n  (package\n    (name \"runner\")\n"
        "    ;; guixml: ml-weights by rule fact.runner (source)\n"
        "    (properties '((ml-weights . external)))\n    (license license:expat)))\n")
    assert plan_file("m.scm", plan.new_text, read_string(plan.new_text), [audit]).edits == ()
