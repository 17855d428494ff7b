"""The library API (guixml/api.py) on the example channel, end to end."""

import os
from pathlib import Path

import pytest

import guixml
from guixml import api
from guixml.config import Config
from guixml.scheme.datum import Location, sym
from guixml.evaluate.model import Package
from guixml.classify.results import AuditResult, PackageAudit

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "channel")


@pytest.fixture(scope="module")
def channel():
    return api.load_channel([EXAMPLE], cache=False)


@pytest.fixture(scope="module")
def report(channel):
    return api.audit_report(channel)


def by_name(report):
    return {entry.package.name: entry for entry in report.packages}


def test_top_level_exports():
    assert guixml.load_channel is api.load_channel
    assert guixml.audit_report is api.audit_report
    assert guixml.suggest_properties is api.suggest_properties


def test_audit_is_the_classifier_result(channel):
    result = api.audit(channel)
    assert isinstance(result, AuditResult)
    assert all(isinstance(a, PackageAudit) for a in result.packages)


def test_every_role_in_the_example_channel(report):
    roles = {entry.package.name: entry.role for entry in report.packages}
    assert roles["knightly-net-small"] == "model"      # made by a procedure
    assert roles["knightly"] == "separate"             # a model package as input
    assert roles["pawnstorm"] == "separate"            # inline .nnue origin
    assert roles["pawnstorm-static"] == "separate"     # inherit + modify-inputs
    assert roles["backgammon-sage"] == "tangled"
    assert roles["talkwave"] == "tangled"              # a snippet keeps vendored rnnoise
    assert roles["go-zen"] == "external"
    assert roles["go-zen-network"] == "model"          # existing annotation
    assert roles["ocr-data-latin"] == "model"
    for trap in ("font-example-sans", "sculpt-assets", "python-chatter", "neurosim"):
        assert roles[trap] == "none", trap
    trains = {entry.package.name for entry in report.packages if entry.audit.training_software}
    assert {"python-tensorlite", "svmkit", "backgammon-sage"} <= trains
    assert "neurosim" not in trains


def test_files_are_relative_to_their_tree(report):
    entry = by_name(report)["pawnstorm"]
    assert entry.file == os.path.join("example", "packages", "chess.scm")
    assert entry.root == EXAMPLE


def test_existing_annotation_wins_and_feeds_verdicts(report):
    entry = by_name(report)["go-zen-network"]
    facts = dict(entry.suggestion)
    assert facts["ml-training-data"] == sym("free")
    assert facts["ml-weights-license"] == "CC0-1.0"
    assert entry.verdict("debian").verdict == "accept"
    assert entry.verdict("gcd-008").verdict == "reject"  # infeasible to recompute
    assert "(ml-training-data . free)" in entry.suggestion_text


def test_verdicts_and_findings(report):
    assert report.policy == "guix-2023"
    assert set(report.policies) == {"guix-2023", "debian", "osaid", "gcd-008"}
    voice = by_name(report)["voice-demo-nc"]
    assert voice.verdict("guix-2023").verdict == "reject"
    assert voice in report.findings("reject")
    assert by_name(report)["pawnstorm"] in report.findings("review")
    assert by_name(report)["pawnstorm"] not in report.findings("reject")
    assert report.findings("never") == ()


def test_config_ignores_and_policy(channel):
    config = Config(policy="gcd-008", ignore_packages=("voice-*",))
    judged = api.audit_report(channel, config=config)
    assert judged.policy == "gcd-008"
    voice = by_name(judged)["voice-demo-nc"]
    assert voice.ignored and voice not in judged.findings("weights")
    assert api.audit_report(channel, policy="osaid", config=config).policy == "osaid"


def test_unknown_policy(channel):
    with pytest.raises(guixml.errors.GuixmlError, match="unknown policy 'fsf'"):
        api.audit_report(channel, policy="fsf")


def test_only_and_paths(tmp_path):
    other = tmp_path / "other"
    (other / "more").mkdir(parents=True)
    (other / "more" / "x.scm").write_text(
        '(define-module (more x) #:use-module (guix packages))\n'
        '(define-public x (package (name "x") (version "1")))\n')
    both = api.audit_report([EXAMPLE, str(other)], cache=False)
    assert "x" in by_name(both)
    only = api.audit_report([EXAMPLE, str(other)], cache=False, only=[str(other)])
    assert set(by_name(only)) == {"x"}


def test_show(channel):
    [entry] = api.show("pawnstorm@5.0", channel)
    assert entry.role == "separate"
    assert [e.role for e in api.show("(example packages games) go-zen", channel)] == \
        ["external"]
    with pytest.raises(api.UnknownPackage, match="no package named 'nope'"):
        api.show("nope", channel)


def test_suggest_properties_without_existing_annotation():
    package = Package("(m)", "m.scm", "p", "p", "1", Location("m.scm", 1, 0))
    entries = api.suggest_properties(PackageAudit(package, weights="tangled",
                                                  weights_license="MIT"))
    assert [(e.key, e.known) for e in entries] == [
        ("ml-weights", True), ("ml-weights-license", True), ("ml-training-software", False),
        ("ml-training-data", False), ("ml-reproducibility", False)]
    assert api.suggest_properties(PackageAudit(package)) == ()


def test_problem_of():
    syntax = api.problem_of("a/b.scm:2:17: unexpected end of input")
    assert (syntax.kind, syntax.location, syntax.message) == (
        "syntax", Location("a/b.scm", 2, 17), "unexpected end of input")
    evaluation = api.problem_of("a/b.scm:3:0: foo: not evaluated (unbound variable)")
    assert evaluation.kind == "evaluation"
    assert api.problem_of("a/b.scm: [Errno 2] gone").kind == "syntax"


def _cached_channel(cache_dir):
    from guixml.index.channel import load_channel as index_channel
    return index_channel([EXAMPLE], jobs=1, cache_dir=str(cache_dir))


def test_a_second_audit_reuses_the_stored_classification(tmp_path, monkeypatch):
    from guixml.index.cache import flush_writes
    first = api.audit(_cached_channel(tmp_path))
    flush_writes()
    assert (tmp_path / "audits.pickle").is_file()

    def no_classifying(*args, **kwargs):
        raise AssertionError("classified again")

    monkeypatch.setattr(api, "classify_packages", no_classifying)
    again = api.audit(_cached_channel(tmp_path))
    assert again.packages == first.packages
    assert [a.evidence for a in again.packages] == [a.evidence for a in first.packages]
    assert [a.package.location for a in again.packages] == \
        [a.package.location for a in first.packages]


def test_stored_classification_is_keyed_on_rules_selection_and_content(tmp_path):
    from guixml.index.cache import flush_writes, open_cache
    calls = []
    real = api.classify_packages

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    api.audit(_cached_channel(tmp_path))
    flush_writes()
    extra = tmp_path / "extra.toml"
    extra.write_text('[[rule]]\nid = "mine"\nkind = "text"\npattern = "zen"\n'
                     'suggests = "training"\nconfidence = 0.9\n')
    try:
        api.classify_packages = counting
        api.audit(_cached_channel(tmp_path), rules=[str(extra)])  # other rules
        flush_writes()
        api.audit(_cached_channel(tmp_path), only=[EXAMPLE])      # other selection
        flush_writes()
        api.audit(_cached_channel(tmp_path), only=[EXAMPLE])      # stored: reused
        assert len(calls) == 2
        store = open_cache(str(tmp_path))
        store.audits_path.write_bytes(b"torn")                   # unreadable: a miss
        api.audit(_cached_channel(tmp_path), only=[EXAMPLE])
        assert len(calls) == 3
    finally:
        api.classify_packages = real
        flush_writes()


def test_ruleset_fingerprint_is_the_same_in_every_process():
    import subprocess
    import sys
    code = "from guixml.classify.rules import load_rules; print(load_rules().fingerprint())"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(seen) == 1


def test_stored_classification_is_not_reused_after_a_library_module_changed(tmp_path):
    from guixml.index.cache import flush_writes
    from guixml.index.channel import load_channel as index_channel
    root = tmp_path / "guix"
    (root / "guix").mkdir(parents=True)
    (root / "gnu" / "packages").mkdir(parents=True)
    (root / "gnu" / "packages" / "a.scm").write_text(
        '(define-module (gnu packages a)\n  #:use-module (guix fake))\n'
        '(define-public a (package (name "a") (version "1")\n'
        '  (source (origin (method url-fetch) (uri (string-append fake-host "/a.tar.gz"))))))\n')

    def library(host: str) -> None:
        (root / "guix" / "fake.scm").write_text(
            f'(define-module (guix fake)\n  #:export (fake-host))\n(define fake-host "{host}")\n')

    calls = []
    real = api.classify_packages

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    def uri() -> str:
        index = index_channel([str(root)], jobs=1, cache_dir=str(tmp_path / "cache"))
        [entry] = api.audit(index).packages
        flush_writes()
        return entry.package.source.uris[0]

    library("https://example.org")
    try:
        api.classify_packages = counting
        assert uri() == "https://example.org/a.tar.gz" and len(calls) == 1
        assert uri() == "https://example.org/a.tar.gz" and len(calls) == 1  # stored
        library("https://example.net/models")
        assert uri() == "https://example.net/models/a.tar.gz" and len(calls) == 2
    finally:
        api.classify_packages = real


def test_wrapped_packages_have_their_line_and_deprecated_aliases_are_folded():
    demo = Path(__file__).parent / "fixtures" / "channel-model" / "demo"
    index = api.load_channel([str(demo)], cache=False)
    by_variable = {p.variable: p for p in index.packages()}
    # (hidden-package (package …)) on line 122: the inner form's place
    assert (by_variable["hidden-foo"].location.line,
            by_variable["hidden-foo"].location.column) == (122, 18)
    # an alias has no form of its own: its definition's place
    assert by_variable["%older-foo/deprecated"].location.line == 127
    assert by_variable["old-foo"].location.line == 124
    report = api.audit_report([str(demo)], cache=False)
    reported = {entry.package.variable for entry in report.packages}
    assert "libfoo" in reported
    assert not {"old-foo", "%older-foo/deprecated"} & reported


def test_inherited_evidence_points_at_the_parent(tmp_path):
    """Evidence whose text a variant inherits (its parent's description, its
    parent's build code) is located at the parent's definition, in its file."""
    (tmp_path / "inh").mkdir()
    (tmp_path / "inh" / "base.scm").write_text("""\
(define-module (inh base)
  #:use-module (guix packages)
  #:use-module (guix build-system gnu))

(define-public speech
  (package
    (name "speech")
    (version "1")
    (source #f)
    (build-system gnu-build-system)
    (synopsis "Speech recognition with pre-trained neural network models")
    (description "This package provides a recognizer shipping pre-trained models.")
    (home-page "https://example.org")
    (license #f)))
""")
    (tmp_path / "inh" / "variants.scm").write_text("""\
(define-module (inh variants)
  #:use-module (guix packages)
  #:use-module (inh base))

(define-public speech-next
  (package
    (inherit speech)
    (name "speech-next")
    (version "2")))

(define-public speech-reworded
  (package
    (inherit speech)
    (name "speech-reworded")
    (synopsis "Speech recognition with pre-trained neural network models, again")))
""")
    report = api.audit_report([str(tmp_path)], cache=False)
    by_variable = {entry.package.variable: entry for entry in report.packages}
    def places(variable):
        return {(e.field, e.location.file, e.location.line)
                for e in by_variable[variable].audit.evidence if e.field == "synopsis"}

    assert by_variable["speech"].audit.weights != "none"
    # the synopsis speech-next inherits is written in inh/base.scm
    assert places("speech-next") == {("synopsis", "inh/base.scm", 6)}
    # speech-reworded writes its own
    assert places("speech-reworded") == {("synopsis", "inh/variants.scm", 12)}


def test_indexing_reports_counted_progress(tmp_path):
    """Reading and linking the modules are counted (the CLI draws them as a
    bar on a terminal): each phase ends at its total."""
    for k in range(6):
        (tmp_path / "demo").mkdir(exist_ok=True)
        (tmp_path / "demo" / f"m{k}.scm").write_text(f"""\
(define-module (demo m{k})
  #:use-module (guix packages))

(define-public p{k}
  (package (name "p{k}") (version "1") (source #f) (build-system #f)
    (synopsis "s") (description "d") (home-page "https://example.org") (license #f)))
""")
    seen = []
    api.audit_report([str(tmp_path)], cache=False,
                     progress=lambda phase, done, total: seen.append((phase, done, total)))
    for phase in ("reading modules", "linking modules"):
        counted = [(done, total) for name, done, total in seen if name == phase]
        assert counted and counted[-1] == (6, 6), (phase, seen)
        assert all(0 <= done <= total for done, total in counted)
