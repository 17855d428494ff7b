"""The classifier on Guix-style fixtures, hand-built packages and (optionally) the real tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from guixml.classify.classifier import Classifier, classify_channel, classify_package, datum_text
from guixml.evaluate.model import Input, LicenseRef, Origin, Package
from guixml.classify.rules import load_rules

FIXTURES = Path(__file__).parent.parent / "fixtures" / "classify"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def fixture_audits(rules):
    from guixml.index.channel import load_channel
    index = load_channel([str(FIXTURES)], jobs=1, use_cache=False)
    result = classify_channel(index, rules)
    return {a.package.variable: a for a in result.packages}


def package(**fields) -> Package:
    base = dict(module="(fixtures unit)", file="unit.scm", variable=fields.get("name", "p"),
                name="p", version="1")
    base.update(fields)
    return Package(**base)


# -- fixtures: every role ------------------------------------------------------

@pytest.mark.parametrize("variable, role", [
    ("demo-chess-net", "model"),
    ("demo-ocr-data", "model"),
    ("demo-engine", "separate"),
    ("demo-ocr", "separate"),
    ("demo-screenshot-tool", "separate"),
    ("demo-browser", "tangled"),
    ("demo-denoiser", "tangled"),
    ("demo-go-engine", "external"),
    ("demo-keras-runner", "external"),
    ("demo-keras-runner-next", "external"),
    ("demo-annotated", "tangled"),
])
def test_fixture_roles(fixture_audits, variable, role):
    audit = fixture_audits[variable]
    assert audit.weights == role
    assert audit.evidence, "every conclusion carries evidence"
    for evidence in audit.evidence:
        assert evidence.rule and evidence.field and evidence.matched


@pytest.mark.parametrize("variable", [
    "font-demo-sans", "demo-modeler", "emacs-demo-chat", "python-demo-spikes",
    "r-demo-survey", "demo-fst", "demo-dict", "demo-speak", "demo-ear-trainer",
    "python-demo-tensorfile",
])
def test_fixture_traps_are_none(fixture_audits, variable):
    audit = fixture_audits[variable]
    assert audit.weights == "none"
    assert audit.training_software is False


def test_weight_inputs_are_named(fixture_audits):
    assert fixture_audits["demo-engine"].weight_inputs == ("evaluation-net",)
    assert fixture_audits["demo-ocr"].weight_inputs == ("demo-ocr-data",)
    assert fixture_audits["demo-screenshot-tool"].weight_inputs == ("demo-ocr",)
    assert fixture_audits["demo-chess-net"].weight_inputs == ()


def test_input_verdicts(fixture_audits):
    engine = fixture_audits["demo-engine"]
    by_label = {v.label: v for v in engine.inputs}
    assert by_label["evaluation-net"].cls == "weights"
    assert by_label["evaluation-net"].confidence >= 0.8
    assert by_label["evaluation-net"].evidence[0].rule == "origin.weight-extension"
    assert by_label["source"].cls == "code"
    net = {v.label: v for v in fixture_audits["demo-chess-net"].inputs}
    assert net["source"].cls == "weights"


def test_training_software(fixture_audits):
    assert fixture_audits["demo-learn"].training_software is True
    assert fixture_audits["demo-learn"].weights == "none"


def test_licences(fixture_audits):
    net = fixture_audits["demo-chess-net"]
    assert net.weights_license == "GPL-3.0-or-later"
    assert net.weights_license_fsf_libre is True
    # Separate weights carry the licence of the weights package, not the code's.
    assert fixture_audits["demo-ocr"].weights_license == "Apache-2.0"
    # An inline origin says nothing of its licence: unknown, never guessed.
    assert fixture_audits["demo-engine"].weights_license is None
    # Tangled weights of a curated upstream carry the licence the fact states.
    assert fixture_audits["demo-denoiser"].weights_license == "BSD-3-Clause"
    assert fixture_audits["demo-go-engine"].weights_license is None


def test_properties_win(fixture_audits):
    audit = fixture_audits["demo-annotated"]
    assert audit.from_properties
    assert audit.weights_license == "GPL-3.0-or-later"
    assert audit.evidence[0].rule == "properties.ml-weights"


# -- hand-built packages: the engine's rules -------------------------------------

def test_weak_signal_alone_is_not_enough(rules):
    weak = package(name="demo", synopsis="Offline speech-to-text for desktops")
    assert classify_package(weak, rules).weights == "none"


def test_language_identifier_ships_its_profiles(rules):
    detector = package(name="langid", build_system="pyproject-build-system",
                       synopsis="Language detection library",
                       description="A port of a language-detection library.")
    audit = classify_package(detector, rules)
    assert audit.weights == "tangled"
    assert any(e.rule == "text.language-identifier" for e in audit.evidence)
    app = package(name="translator", synopsis="Translate text",
                  description="Offers automatic language detection and text-to-speech.")
    assert classify_package(app, rules).weights == "none"


def test_statistical_spam_filter_is_a_trainer(rules):
    filt = package(name="filter", synopsis="Spam filtering system",
                   description="Filter is a spam filter that evaluates messages by rules "
                               "including regular expressions and statistical analysis.")
    audit = classify_package(filt, rules)
    assert audit.training_software and audit.weights == "none"


def test_veto_removes_a_conclusion(rules):
    client = package(name="chat", description="A client that requires pre-trained models "
                     "hosted elsewhere; it needs an API key.")
    assert classify_package(client, rules).weights == "none"


def test_properties_override_heuristics(rules):
    annotated = package(
        name="lc", description="This package does not provide a neural network.",
        properties=(("ml-weights", "none-of-these"),))
    # An unknown value is ignored: the heuristics decide.
    assert classify_package(annotated, rules).weights == "external"
    from guixml.scheme.datum import sym
    annotated = package(
        name="lc", description="This package does not provide a neural network.",
        properties=(("ml-weights", sym("separate")),
                    ("ml-weight-inputs", ["net-a", "net-b"])))
    audit = classify_package(annotated, rules)
    assert audit.weights == "separate" and audit.weight_inputs == ("net-a", "net-b")
    assert audit.from_properties


def test_model_input_makes_consumer_separate(rules):
    net = package(name="demo-net", variable="demo-net", build_system="copy-build-system",
                  synopsis="Pre-trained neural network for the demo engine",
                  licenses=(LicenseRef(written="license:expat", name="expat"),))
    engine = package(name="demo-engine", variable="demo-engine",
                     inputs=(Input(field="inputs", kind="package", ref="demo-net",
                                   label="demo-net"),))
    table = {"demo-net": net}
    audit = classify_package(engine, rules, lambda name, pkg, module=None: table.get(name))
    assert audit.weights == "separate"
    assert audit.weight_inputs == ("demo-net",)
    assert audit.weights_license == "MIT"


def test_precedence(rules):
    both = package(
        name="both", build_system="gnu-build-system",
        description="This package does not provide a neural network.",
        source=Origin(method="git-fetch", uris=("https://gitlab.xiph.org/xiph/rnnoise",)))
    assert classify_package(both, rules).weights == "tangled"


def test_inherit_carries_and_override_drops(rules):
    parent = package(name="runner", variable="runner", build_system="cmake-build-system",
                     description="Runs inference of ONNX machine learning models.")
    child = package(name="runner-next", variable="runner-next", inherit="runner")
    table = {"runner": parent}
    resolve = lambda name, pkg, module=None: table.get(name)  # noqa: E731
    assert classify_package(child, rules, resolve).weights == "external"
    # A reworded description alone keeps the parent's verdict (variants reword
    # theirs), with evidence pointing at the parent.
    reworded = package(name="runner-cuda", variable="runner-cuda", inherit="runner",
                       description="This variant is built with CUDA.")
    audit = classify_package(reworded, rules, resolve)
    assert audit.weights == "external"
    assert audit.evidence[0].rule == "inherit.parent-verdict"
    assert audit.evidence[0].matched == "runner"
    # Its own source, its own build system or a veto of its own drop it.
    own_source = package(name="runner-fork", variable="runner-fork", inherit="runner",
                         description="A fork.",
                         source=Origin(method="url-fetch", uris=("https://example.org/f.tar.gz",)))
    assert classify_package(own_source, rules, resolve).weights == "none"
    overriding = package(name="runner-doc", variable="runner-doc", inherit="runner",
                         build_system="copy-build-system",
                         description="Documentation of the runner.")
    assert classify_package(overriding, rules, resolve).weights == "none"
    vetoed = package(name="runner-client", variable="runner-client", inherit="runner",
                     description="A client; it needs an API key.")
    assert classify_package(vetoed, rules, resolve).weights == "none"


def test_inherit_keeps_training_flag(rules):
    parent = package(name="learner", variable="learner",
                     synopsis="Machine learning library for Python")
    child = package(name="learner-cuda", variable="learner-cuda", inherit="learner",
                    synopsis="Learner with CUDA support")
    table = {"learner": parent}
    resolve = lambda name, pkg, module=None: table.get(name)  # noqa: E731
    assert classify_package(child, rules, resolve).training_software


def test_origin_named_in_build_code_is_an_input(rules):
    cld = Origin(method="git-fetch", uris=("https://github.com/google/cld3.git",))
    app = package(name="messenger", arguments=None)
    form = ('(package (name "messenger") (arguments (list #:phases #~(modify-phases '
            '%standard-phases (add-after \'unpack \'copy (lambda _ (copy-recursively '
            '#$cld3-origin "ThirdParty/cld3")))))))')
    classifier = Classifier(rules, lambda name, pkg, module=None:
                            cld if name == "cld3-origin" else None, lambda p: form)
    audit = classifier.classify(app)
    assert audit.weights == "separate"
    assert audit.weight_inputs == ("cld3-origin",)


def test_front_end_of_a_runner_must_name_it(rules):
    runner = package(name="python-speechkit", variable="python-speechkit",
                     description="Speech recognition; portable per-language models are "
                                 "downloaded separately.")
    front = package(name="dictate", variable="dictate", description="Dictation with speechkit.",
                    propagated_inputs=(Input(field="propagated-inputs", kind="package",
                                             ref="python-speechkit", label="python-speechkit"),))
    silent = package(name="plotter", variable="plotter", description="Plots data.",
                     propagated_inputs=front.propagated_inputs)
    table = {"python-speechkit": runner}
    resolve = lambda name, pkg, module=None: table.get(name)  # noqa: E731
    assert classify_package(runner, rules, resolve).weights == "external"
    assert classify_package(front, rules, resolve).weights == "external"
    assert classify_package(silent, rules, resolve).weights == "none"


def test_wrapper_of_a_named_runner(rules):
    runner = package(name="python-speechkit", variable="python-speechkit",
                     description="Portable per-language models are downloaded separately.")
    wrapper = package(name="r-speechkit", variable="r-speechkit",
                      synopsis="R wrapper for the speechkit library")
    plain = package(name="r-plotkit", variable="r-plotkit",
                    synopsis="R wrapper for the plotkit library")
    names = {"python-speechkit": runner,
             "python-plotkit": package(name="python-plotkit", description="Plots.")}

    def resolve(name, pkg, module=None):
        return None
    resolve.package_named = names.get
    assert classify_package(wrapper, rules, resolve).weights == "external"
    assert classify_package(plain, rules, resolve).weights == "none"


def test_datum_text_round_trips_simple_data():
    from guixml.scheme.datum import Keyword, sym
    assert datum_text([sym("list"), Keyword("install-plan"), "a\"b"]) == \
        '(list #:install-plan "a\\"b")'


# -- the real tree -----------------------------------------------------------------

@pytest.mark.realtree
def test_real_tree_figures(tmp_path):
    source = os.environ.get("GUIX_SOURCE")
    if not source:
        pytest.skip("GUIX_SOURCE is not set")
    labels = Path(os.environ.get("GUIXML_LABELS",
                                 Path(__file__).resolve().parents[3] / "shared" / "data"
                                 / "labels-dev.csv"))
    if not labels.is_file():
        pytest.skip("labels-dev.csv not found")
    import csv
    from guixml.index.channel import load_channel
    index = load_channel([source], cache_dir=str(tmp_path))  # never the user's cache
    result = classify_channel(index, load_rules())
    flagged = [a for a in result.packages if a.weights != "none"]
    assert len(flagged) <= 150
    assert all(a.evidence for a in flagged)
    by_key = {(a.package.file.rsplit("/", 1)[-1], a.package.variable): a
              for a in result.packages}
    roles = {"is-weights": "model", "separate-input": "separate", "bundled": "tangled",
             "needs-external": "external", "none": "none"}
    tp = fp = fn = 0
    for row in csv.DictReader(open(labels, encoding="utf-8")):
        audit = by_key.get((row["module"], row["variable"]))
        if audit is None:
            continue
        truth = roles[row["weights"]]
        tp += truth != "none" and audit.weights != "none"
        fp += truth == "none" and audit.weights != "none"
        fn += truth != "none" and audit.weights == "none"
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.90


@settings(max_examples=60, deadline=None)
@given(synopsis=st.text(max_size=80), description=st.text(max_size=300))
def test_any_text_gives_a_valid_audit(rules, synopsis, description):
    audit = classify_package(package(name="x", synopsis=synopsis, description=description),
                             rules)
    assert audit.weights in ("model", "separate", "tangled", "external", "none")
    assert (audit.weights == "none") or audit.evidence


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=200))
def test_an_api_key_client_is_never_flagged(rules, words):
    client = package(name="x", synopsis="ChatGPT client",
                     description=words + " It requires an API key.")
    assert classify_package(client, rules).weights == "none"


def test_long_input_chains_do_not_exhaust_the_stack(rules):
    chain = {}
    previous = None
    for i in range(400):
        inputs = (Input(field="inputs", kind="package", ref=f"p{i - 1}", label=f"p{i - 1}"),) \
            if previous else ()
        previous = chain[f"p{i}"] = package(name=f"p{i}", variable=f"p{i}", inputs=inputs)
    audit = classify_package(previous, rules, lambda name, pkg, module=None: chain.get(name))
    assert audit.weights == "none"


# -- the bracket scanner: the fast path reads exactly as the character walk ----

from guixml.classify.classifier import _balanced, _balanced_slow  # noqa: E402

_SCHEME_BITS = st.sampled_from(["(", ")", "[", "]", '"', "\\", ";", "\n", " ", "#\\",
                                "#\\(", "#\\)", "#\\;", '#\\"', "a", "#:x", "'", "#|", "|#"])


@settings(max_examples=400)
@given(st.lists(_SCHEME_BITS, min_size=1, max_size=40).map("".join), st.data())
def test_balanced_fast_path_matches_the_character_walk(text, data):
    starts = [i for i, c in enumerate(text) if c in "(["]
    if not starts:
        return
    start = data.draw(st.sampled_from(starts))
    assert _balanced(text, start) == _balanced_slow(text, start)


def test_balanced_skips_strings_comments_and_characters():
    text = '(a "b)" ; c)\n #\\) (d [e]) f) g'
    assert _balanced(text, 0) == text[:text.index(" g")]


from guixml.classify.classifier import _close, _list_end, _mask  # noqa: E402


@settings(max_examples=400)
@given(st.lists(_SCHEME_BITS, min_size=1, max_size=60).map("".join), st.data())
def test_masked_bracket_count_matches_the_scanner(text, data):
    masked = _mask(text)
    assert len(masked) == len(text)
    starts = [i for i, c in enumerate(masked) if c in "(["]
    if not starts:
        return
    start = data.draw(st.sampled_from(starts))
    limit = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    # From a bracket the mask kept, the scanner meets the tokens the mask saw.
    assert _close(masked, start, len(text)) == _list_end(text, start)
    assert text[start:_close(masked, start, limit)] == _balanced(text[:limit], start)


@pytest.mark.parametrize("depth", [1, 31, 32, 33, 80])
def test_masked_bracket_count_deep_and_unclosed_lists(depth):
    text = "(" * depth + '"(" x' + ")" * depth + " tail"
    masked = _mask(text)
    assert _close(masked, 0, len(text)) == _list_end(text, 0) == len(text) - len(" tail")
    unclosed = text[:-len(" tail") - 1]
    assert _close(_mask(unclosed), 0, len(unclosed)) == _list_end(unclosed, 0) == len(unclosed)


@settings(max_examples=400)
@given(st.lists(_SCHEME_BITS | st.sampled_from(["#", "é", "\\(", ";(", '"[x"']),
                max_size=40).map("".join))
def test_mask_blanks_exactly_the_brackets_inside_tokens(text):
    from guixml.classify.classifier import _BRACKET, _HIDE_BRACKETS, _OPAQUE_TOKEN

    def hide_brackets(match):  # the plain reading _mask must agree with
        token = match.group()
        return token.translate(_HIDE_BRACKETS) if _BRACKET.search(token) else token

    assert _mask(text) == _OPAQUE_TOKEN.sub(hide_brackets, text)


def test_prefetched_texts_give_the_same_audits(rules):
    # What Classifier.prefetch computes in another process (sent as marshal
    # data) must leave every audit as a classifier alone makes it.
    import marshal

    from guixml.index.channel import load_channel
    index = load_channel([str(FIXTURES)], use_cache=False, jobs=1)
    packages = list(index.packages())
    from guixml.classify.classifier import index_resolver
    alone = Classifier(rules, index_resolver(index))
    expected = [alone.classify(p) for p in packages]
    helper = Classifier(rules, index_resolver(index))
    sent = marshal.loads(marshal.dumps(helper.prefetch(packages)))
    assert any(sent.values())  # some text rule matched
    helped = Classifier(rules, index_resolver(index))
    helped.add_prefetched(sent)
    assert [helped.classify(p) for p in packages] == expected


def test_form_text_without_a_span_is_cut_from_the_file_by_counting_brackets():
    # Packages the index read have spans; others (a macro of another file, a
    # Package built by a script) are found from their line and column.
    import attrs

    from guixml.classify.classifier import index_form_text
    from guixml.index.channel import load_channel
    index = load_channel([str(FIXTURES)], use_cache=False, jobs=1)
    packages = [p for p in index.packages() if p.span is not None]
    assert packages
    for package in packages:
        by_span = index_form_text(index)(package)
        by_counting = index_form_text(index)(attrs.evolve(package, span=None))
        assert by_span and by_counting == by_span


def test_near_misses_keep_weak_and_vetoed_evidence(rules):
    weak = classify_package(package(name="sim", synopsis="Simulator for spiking neural networks"),
                            rules)
    assert not weak.training_software
    (miss,) = [m for m in weak.near_misses if m.conclusion == "training"]
    assert miss.score == 0.4 and miss.threshold == rules.threshold and miss.vetoed_by is None
    assert [e.rule for e in miss.evidence] == ["text.deep-learning-weak"]
    vetoed = classify_package(package(
        name="client", description="Runs inference of ONNX machine learning models. "
                                   "It needs an API key."), rules)
    assert vetoed.weights == "none"
    (miss,) = [m for m in vetoed.near_misses if m.conclusion == "external"]
    assert miss.vetoed_by.rule == "veto.remote-service-client"
    strong = classify_package(package(name="r", description="Runs inference of ONNX machine "
                                                             "learning models."), rules)
    assert strong.weights == "external"
    assert all(m.conclusion != "external" for m in strong.near_misses)


def _runtime(*names: str) -> tuple[Input, ...]:
    return tuple(Input(field="propagated-inputs", kind="package", ref=n, label=n) for n in names)


def test_framework_corroborates_weak_training_signals(rules):
    torch = package(name="python-pytorch", variable="python-pytorch", synopsis="Tensors")
    hub = package(name="python-hub-client", variable="python-hub-client", synopsis="Hub client",
                  source=Origin(method="url-fetch", uris=(
                      "https://files.pythonhosted.org/packages/source/h/huggingface_hub/"
                      "huggingface_hub-0.30.0.tar.gz",)))
    table = {"python-pytorch": torch, "python-hub-client": hub}
    resolve = lambda name, pkg, module=None: table.get(name)  # noqa: E731
    layers = dict(synopsis="Linformer implementation in PyTorch")
    on_torch = package(name="python-linformer", propagated_inputs=_runtime("python-pytorch"),
                       **layers)
    alone = package(name="python-linformer", **layers)
    decoder = package(name="python-vdec", synopsis="A video decoder for PyTorch",
                      propagated_inputs=_runtime("python-pytorch"))
    assert classify_package(on_torch, rules, resolve).training_software
    assert not classify_package(alone, rules, resolve).training_software
    assert not classify_package(decoder, rules, resolve).training_software
    # The hub client alone is weak: a training utility using it is no runner;
    # with a text signal of a model library it is.
    utility = package(name="python-speedup", synopsis="Speedup",
                      propagated_inputs=_runtime("python-hub-client", "python-pytorch"))
    models = package(name="python-imgmodels", synopsis="PyTorch Image Models",
                     propagated_inputs=_runtime("python-hub-client", "python-pytorch"))
    assert classify_package(utility, rules, resolve).weights == "none"
    audit = classify_package(models, rules, resolve)
    assert audit.weights == "external" and audit.training_software
    assert any(e.rule == "fact.huggingface-hub" for e in audit.evidence)
