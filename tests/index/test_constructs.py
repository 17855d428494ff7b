"""Constructs of third-party channels, each in a package of
tests/fixtures/constructs (written in Guix's style): every package evaluates
with its name, version and source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from guixml.index.channel import load_channel

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "constructs" / "demo"


def _packages(with_guix: bool):
    paths = [str(FIXTURE)]
    if with_guix:
        paths.append(os.environ["GUIX_SOURCE"])
    index = load_channel(paths, use_cache=False, jobs=1)
    return {p.variable: p for p in index.packages() if p.module == "(demo packages constructs)"}


@pytest.fixture(scope="module", params=[False, True], ids=["alone", "with-guix"])
def packages(request):
    if request.param and not os.environ.get("GUIX_SOURCE"):
        pytest.skip("GUIX_SOURCE is not set")
    return _packages(request.param)


def test_every_package_has_name_and_version(packages):
    assert {v: (p.name, p.version) for v, p in packages.items()} == {
        "aliased-fetch": ("aliased-fetch", "1.0"),
        "driver": ("driver", "550.1"),
        "driver-bundle": ("bundle", "550.1000"),   # string-pad-right
        "tiny-model": ("tiny-model", "0.2"),        # define-record-type* with inherit
        "kernel-6": ("kernel", "6.1"),              # g-expressions in a procedure
        "sandboxed": ("sandboxed", "550.1"),        # an internal define
        "kernel-clean": ("kernel-clean", "6.1"),    # a computed source (delay, #~)
        "kernel-unclean": ("kernel-unclean", "6.1"),  # gexp-inputs of that source
        "configured": ("configured", "550.1"),      # match on (option . 'm)
        "driver-sandboxed": ("driver-sandboxed", "550.1"),  # record syntax in a template
        "picked": ("picked", "1.1"),                # another module's macro
        "driver-binary": ("driver-binary", "550.1"),  # an internal define-values
        "split": ("split", "2.0.20"),               # SRFI-71 let, receive, call-with-values
        "respecified": ("respecified", "3.0"),      # specification->package, assoc
    }
    # A computed source's URI is a promise of a g-expression: kept unforced,
    # as static evaluation keeps every such origin.
    assert [(p.variable, u.field, u.kind) for p in packages.values() for u in p.unresolved] \
        == [("kernel-clean", "source.uri", "delay")]


def test_gexp_inputs_find_the_origin_a_computed_source_refers_to(packages):
    assert packages["kernel-unclean"].source.uris == (
        "https://example.org/releases/kernel-6.1.tar.xz",)
    assert packages["kernel-clean"].source.uris == ()


def test_match_on_pairs_and_record_syntax_of_another_module(packages):
    assert packages["configured"].synopsis == "A=m B=y"
    sandboxed = packages["driver-sandboxed"]
    assert sandboxed.hidden and sandboxed.synopsis == "A driver"
    assert [i.name for i in sandboxed.inputs] == ["driver"]


def test_a_macro_guixml_cannot_build_names_its_uses(tmp_path):
    """Uses of a syntax-case macro say so, not what their arguments do as a call."""
    (tmp_path / "jdk.scm").write_text(
        "(define-module (jdk) #:use-module (guix packages))\n"
        "(define-syntax make-jdk\n"
        "  (lambda (x)\n"
        "    (syntax-case x ()\n"
        "      ((_ base version field ...)\n"
        "       #'(package (inherit base) (version version) field ...)))))\n"
        "(define-public jdk-1 (package (name \"jdk\") (version \"1\")))\n"
        "(define-public jdk-2\n"
        "  (make-jdk jdk-1 \"2\" (arguments (list ((#:flags flags) flags)))))\n")
    index = load_channel([str(tmp_path)], use_cache=False, jobs=1)
    assert [p.variable for p in index.packages()] == ["jdk-1"]
    [error] = [e for e in index.errors if "jdk-2" in e]
    assert "jdk-2: not evaluated (guixml cannot evaluate a macro defined here yet; " \
        "macro-definition: make-jdk)" in error


def test_deprecated_alias_resolves_to_its_target(packages):
    assert packages["aliased-fetch"].source.uris == (
        "https://example.org/releases/aliased-fetch-1.0.tar.gz",)


def test_local_file_is_an_origin_with_its_file_name(packages):
    source = packages["tiny-model"].source
    assert source.method == "local-file" and source.file_name == "tiny.gguf"
    assert source.uris[0].endswith("packages/tiny.gguf")


def test_a_name_from_a_module_not_given_is_a_missing_module(tmp_path):
    (tmp_path / "mine.scm").write_text(
        "(define-module (mine)\n  #:use-module (guix packages)\n"
        "  #:use-module (other channel packages)\n  #:use-module (ice-9 match))\n"
        "(define-public mine (package (inherit theirs) (version \"2\")))\n")
    index = load_channel([str(tmp_path)], use_cache=False, jobs=1)
    [package] = index.packages()
    kinds = {u.kind for u in package.unresolved}
    assert kinds == {"missing-module"}
    text = package.unresolved[0].text
    assert "(other channel packages)" in text and "not among the trees given" in text
    assert "(ice-9 match)" not in text  # Guile's own


def test_define_values_and_specification(packages):
    assert packages["driver-binary"].source.uris == ("https://example.org/driver-550.1.run",)
    assert packages["respecified"].synopsis == packages["driver"].synopsis


def test_a_macro_expands_to_its_own_module_helpers():
    """modify-phases expands to %modify-phases, which (guix build utils) does
    not export: the template's names are taken from the macro's module; the
    phases themselves come from a let-syntax macro."""
    from guixml.evaluate.values import GlobalRef
    index = load_channel([str(FIXTURE)], use_cache=False, jobs=1)
    def steps(name):
        value = index.value_of(GlobalRef("(demo build-system stepped)", name))
        return [(str(e.items[0]), e.tail.name) for e in value]
    assert steps("%stepped-steps") == [("unpack", "unpack"), ("build", "check")]
    assert steps("%replaced-steps") == [("unpack", "unpack"), ("configure", "configure"),
                                        ("build", "check")]
    assert not [e for e in index.errors if "stepped" in e or "steps.scm" in e]
