"""The suggested properties entries and their Guix-style layout (guixml/annotate/emit.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from guixml.scheme.datum import List, equal, sym
from guixml.annotate.emit import (REVIEW_COMMENT, WIDTH, PropertyEntry, properties_field,
                         suggested_entries)
from guixml.evaluate.model import Package
from guixml.scheme.reader import read_string
from guixml.classify.results import PackageAudit
from guixml.policy.vocabulary import properties_problems

from _annotate_fixtures import guile_read


def audit(weights: str, **facts) -> PackageAudit:
    return PackageAudit(Package("(m)", "m.scm", "p", "p", "1"), weights=weights, **facts)


def alist_of(field_text: str) -> List:
    (field,) = read_string(field_text)
    assert field[0] == sym("properties")
    assert field[1][0] == sym("quote")
    return field[1][1]


def test_no_weights_no_entries():
    assert suggested_entries(audit("none")) == ()


@pytest.mark.parametrize("role", ["model", "separate", "tangled", "external"])
def test_every_role_gives_a_valid_annotation(role):
    inputs = ("net-big", "net-small") if role == "separate" else ()
    entries = suggested_entries(audit(role, weight_inputs=inputs,
                                      weights_license="Apache-2.0"))
    assert entries[0] == PropertyEntry("ml-weights", sym(role))
    alist = alist_of(properties_field(entries))
    assert properties_problems(alist) == []
    keys = [str(entry.key) for entry in entries]
    assert ("ml-weight-inputs" in keys) == (role == "separate")


def test_unknown_facts_are_flagged_after_the_known_ones():
    entries = suggested_entries(audit("separate", weight_inputs=("net",)))
    known = [entry.key for entry in entries if entry.known]
    unknown = [entry.key for entry in entries if not entry.known]
    assert known == ["ml-weights", "ml-weight-inputs"]
    assert unknown == ["ml-weights-license", "ml-training-software", "ml-training-data",
                       "ml-reproducibility"]
    text = properties_field(entries)
    lines = text.splitlines()
    assert lines[2].strip() == REVIEW_COMMENT
    assert "(ml-weights-license . unknown)" in lines[3]


def test_layout_one_line_when_it_fits():
    entries = (PropertyEntry("ml-weights", sym("model")),
               PropertyEntry("ml-weights-license", "MIT"))
    assert properties_field(entries) == \
        "(properties '((ml-weights . model) (ml-weights-license . \"MIT\")))"


def test_layout_aligned_under_the_first_entry():
    entries = suggested_entries(audit("model", weights_license="GPL-3.0-or-later"))
    text = properties_field(entries, indent="    ")
    assert text == (
        "(properties '((ml-weights . model)\n"
        "                  (ml-weights-license . \"GPL-3.0-or-later\")\n"
        f"                  {REVIEW_COMMENT}\n"
        "                  (ml-training-software . unknown)\n"
        "                  (ml-training-data . unknown)\n"
        "                  (ml-reproducibility . unknown)))")


def test_layout_falls_back_to_the_list_on_its_own_line():
    long_inputs = tuple(f"neural-network-{n}-with-a-rather-long-label" for n in range(2))
    entries = suggested_entries(audit("separate", weight_inputs=long_inputs))
    text = properties_field(entries, indent="    ")
    lines = text.splitlines()
    assert lines[0] == "(properties"
    assert lines[1].startswith("     '((ml-weights . separate)")
    assert all(line.startswith("       ") for line in lines[2:])


def test_tabs_in_the_indentation_are_kept():
    entries = suggested_entries(audit("model", weights_license="MIT"))
    text = properties_field(entries, indent="\t  ")
    assert all(line.startswith("\t  ") for line in text.splitlines()[1:])


def test_crlf_files_get_crlf_lines():
    entries = suggested_entries(audit("model"))
    text = properties_field(entries, newline="\r\n")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


@pytest.mark.guile
def test_guile_reads_every_role(tmp_path):
    fields = []
    for role in ("model", "separate", "tangled", "external"):
        entries = suggested_entries(audit(role, weight_inputs=("a \"quoted\" label",),
                                          weights_license="CC-BY-4.0 OR MIT"))
        fields.append(properties_field(entries, indent="  "))
    path = tmp_path / "fields.scm"
    path.write_text("\n".join(fields) + "\n", encoding="utf-8")
    from guixml.scheme.writer import write
    assert guile_read(path) == [write(form) for form in read_string(path.read_text())]


labels = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
roles = st.sampled_from(["model", "separate", "tangled", "external"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=roles, inputs=st.lists(labels, min_size=1, max_size=4),
       license=st.one_of(st.none(), labels), indent=st.text(" \t", max_size=12))
@pytest.mark.guile
def test_any_emitted_field_reads_back_the_same(tmp_path, role, inputs, license, indent):
    entries = suggested_entries(audit(role, weight_inputs=tuple(inputs),
                                      weights_license=license))
    text = properties_field(entries, indent=indent)
    alist = alist_of(text)
    assert len(alist) == len(entries)
    for read, entry in zip(alist, entries):
        assert equal(read if isinstance(read, List) else _plain(read), entry.datum)
    path = tmp_path / "field.scm"
    path.write_text(text + "\n", encoding="utf-8")
    from guixml.scheme.writer import write
    assert guile_read(path) == [write(form) for form in read_string(text)]


def _plain(pair):
    from guixml.scheme.datum import DottedList
    return DottedList(pair.items, pair.tail)


def test_width_is_guix_styles():
    assert WIDTH == 78


def test_an_external_package_gets_its_role_and_nothing_about_weights_it_lacks():
    entries = suggested_entries(audit("external", weights_license="GPL-3.0-or-later"))
    assert entries == (PropertyEntry("ml-weights", sym("external")),)


def test_the_evidence_note_points_at_the_rule():
    from guixml.annotate.emit import evidence_note
    from guixml.classify.results import Evidence
    found = audit("external", evidence=(Evidence("text.runs-models", "synopsis", "x"),))
    assert evidence_note(found) == ";; guixml: ml-weights by rule text.runs-models (synopsis)"
    assert evidence_note(audit("external")) == ""
    text = properties_field(suggested_entries(found), "    ", note=evidence_note(found))
    assert text == (";; guixml: ml-weights by rule text.runs-models (synopsis)\n"
                    "    (properties '((ml-weights . external)))")


def licensed(role: str, licence: str, *names: str) -> PackageAudit:
    from guixml.evaluate.model import LicenseRef
    package = Package("(m)", "m.scm", "p", "p", "1",
                      licenses=tuple(LicenseRef(f"license:{n}", n) for n in names))
    return PackageAudit(package, weights=role, weights_license=licence)


@pytest.mark.parametrize("role, licence, names, established", [
    ("model", "Apache-2.0", ("asl2.0",), "Apache-2.0"),
    ("tangled", "GPL-3.0-or-later", ("gpl3+",), "GPL-3.0-or-later"),
    # the package's whole list (code, fonts, music) is not the weights' licence
    ("tangled", "GPL-2.0-or-later AND MIT AND OFL-1.1 AND CC-BY-SA-3.0",
     ("gpl2+", "expat", "silofl1.1", "cc-by-sa3.0"), None),
    ("model", "MIT AND ISC", ("expat", "isc"), None),
    # a single licence beside a list came from a fact about the weights
    ("tangled", "CC-BY-4.0", ("gpl3+", "cc-by-sa3.0"), "CC-BY-4.0"),
    ("separate", "MIT AND Apache-2.0", ("gpl3+", "expat"), "MIT AND Apache-2.0"),
    ("model", None, ("asl2.0",), None),
])
def test_only_the_weights_own_licence_is_offered(role, licence, names, established):
    from guixml.annotate.emit import established_license
    found = licensed(role, licence, *names)
    assert established_license(found) == established
    entry = {e.key: e for e in suggested_entries(found)}["ml-weights-license"]
    assert entry.value == (established or sym("unknown"))
    assert entry.known == bool(established)


def test_not_established_is_spelled_unknown_and_valid_on_both_sides():
    entries = suggested_entries(audit("model"))
    alist = alist_of(properties_field(entries))
    assert "(ml-weights-license . unknown)" in properties_field(entries)
    assert properties_problems(alist) == []
    # the older spelling is still read
    (old,) = read_string("((ml-weights . model) (ml-weights-license . #f))")
    assert properties_problems(old) == []
