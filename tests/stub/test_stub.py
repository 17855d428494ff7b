"""`guixml stub`: a package definition Guile reads, with the right hash, licence and facts."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from guixml.cli import main
from guixml.scheme.datum import DottedList, Keyword, List, Symbol, sym
from guixml.errors import GuixmlError
from guixml.sources.hashing import guix_hash_bytes
from guixml.stub.layout import flat, layout
from guixml.scheme.reader import read_string
from guixml.stub.generator import PLACEHOLDER_HASH, StubError, StubRequest, guess_name_version, make_stub
from guixml.policy.vocabulary import facts_from_alist, properties_problems
from guixml.scheme.writer import write

READ_WRITE = Path(__file__).parent.parent / "guile" / "read-write.scm"
NNUE_URL = "https://tests.stockfishchess.org/api/nn/nn-1c0000000000.nnue"


def field(package: List, name: str):
    """The value of field NAME of a (package …) form (the whole field for lists)."""
    for item in package[1:]:
        if isinstance(item, list) and item and item[0] == sym(name):
            return item[1] if len(item) == 2 else item
    raise KeyError(name)


def package_of(text: str) -> List:
    [definition] = read_string(text)
    assert definition[0] == sym("define-public")
    return definition[2]


def uncommented_snippet(snippet: str) -> str:
    """The Scheme code of the consumer snippet: its lines that start with ';;   '."""
    return "\n".join(line[5:] for line in snippet.splitlines() if line.startswith(";;   "))


@pytest.mark.parametrize("url, name, version", [
    (NNUE_URL, "nn-1c0000000000", None),
    ("https://storage.lczero.org/files/networks/weights_run1_744204.pb.gz", "weights-run1", "744204"),
    ("https://github.com/tesseract-ocr/tessdata_fast/raw/4.1.0/eng.traineddata", "eng", "4.1.0"),
    ("https://huggingface.co/o/m/resolve/main/model-q4_0.gguf?download=true", "model-q4-0", None),
    ("https://example.org/resnet-50.onnx", "resnet-50", None),
    ("https://example.org/nets/detector-v2.tflite", "detector", "2"),
    ("https://example.org/models/rnnoise-models-1.0.2.tar.gz", "rnnoise-models", "1.0.2"),
    # a version inside the name, a quantisation tag after it
    ("https://huggingface.co/o/m/resolve/main/tiny-llm-v1.2-q4_0.gguf", "tiny-llm-q4-0", "1.2"),
    ("https://example.org/tiny-llm-2.0.1_f16.gguf", "tiny-llm-f16", "2.0.1"),
])
def test_name_and_version_guessed_from_url(url, name, version):
    assert guess_name_version(url) == (name, version)


def test_hash_from_local_file(tmp_path):
    weights = tmp_path / "nn.nnue"
    description = b"Features=HalfKAv2_hm,Network=AffineTransform"
    weights.write_bytes(struct.pack("<III", 0x7AF32F20, 0x1C103E72, len(description))
                        + description + bytes(range(256)) * 40)
    stub = make_stub(StubRequest(NNUE_URL, file=str(weights), license="CC0-1.0"))
    source = field(package_of(stub.text), "source")
    sha256 = field(source, "sha256")
    assert sha256 == List([sym("base32"), guix_hash_bytes(weights.read_bytes())])
    assert not any("placeholder" in w for w in stub.warnings)
    assert not any("recognises" in w for w in stub.warnings)  # an NNUE header


def test_local_file_that_is_no_weight_format_warns(tmp_path):
    page = tmp_path / "nn.nnue"
    page.write_text("<html><body>404 Not Found</body></html>\n")
    stub = make_stub(StubRequest(NNUE_URL, file=str(page)))
    assert any("recognises" in warning for warning in stub.warnings)


def test_placeholder_hash_warns():
    stub = make_stub(StubRequest(NNUE_URL))
    sha256 = field(field(package_of(stub.text), "source"), "sha256")
    assert sha256[1] == PLACEHOLDER_HASH
    assert any("placeholder" in warning for warning in stub.warnings)
    assert any("version" in warning for warning in stub.warnings)


def test_package_fields():
    stub = make_stub(StubRequest(NNUE_URL, name="stockfish-nnue-big", version="17",
                                 license="CC0-1.0", synopsis="Stockfish network"))
    package = package_of(stub.text)
    assert field(package, "name") == "stockfish-nnue-big"
    assert field(package, "version") == "17"
    assert field(package, "build-system") == sym("copy-build-system")
    assert field(package, "license") == sym("license:cc0")
    assert field(package, "home-page") == "https://tests.stockfishchess.org/"
    assert field(package, "synopsis") == "Stockfish network"
    origin = field(package, "source")
    assert field(origin, "uri") == NNUE_URL
    assert field(origin, "method") == sym("url-fetch")
    assert field(origin, "file-name") == "stockfish-nnue-big-nn-1c0000000000.nnue"
    arguments = flat(field(package, "arguments"))
    assert '#:install-plan #~\'(("nn-1c0000000000.nnue" "share/stockfish-nnue-big/"))' in arguments
    assert "(replace 'unpack" in arguments  # a .gz network must not be decompressed
    assert '(copy-file source "nn-1c0000000000.nnue")' in arguments


def test_properties_are_valid_vocabulary():
    stub = make_stub(StubRequest(NNUE_URL, license="CC0-1.0"))
    alist = field(package_of(stub.text), "properties")
    assert properties_problems(alist) == []
    facts = facts_from_alist(alist)
    assert facts.weights == "model"
    assert facts.weights_license == "CC0-1.0"
    assert (facts.training_software, facts.training_data, facts.reproducibility) == \
        ("unknown", "unknown", "unknown")
    assert ";; guixml could not establish these; please review." in stub.text


def test_licence_without_guix_variable():
    stub = make_stub(StubRequest(NNUE_URL, license="CC-BY-NC-4.0"))
    package = package_of(stub.text)
    assert field(package, "license") is False
    assert facts_from_alist(field(package, "properties")).weights_license == "CC-BY-NC-4.0"
    assert any("CC-BY-NC-4.0" in warning for warning in stub.warnings)


def test_licence_expression_becomes_a_list():
    stub = make_stub(StubRequest(NNUE_URL, license="GPL-3.0-or-later OR MIT"))
    license_field = field(package_of(stub.text), "license")
    assert license_field == List([sym("list"), sym("license:gpl3+"), sym("license:expat")])


def test_no_licence_is_unknown():
    stub = make_stub(StubRequest(NNUE_URL))
    package = package_of(stub.text)
    assert field(package, "license") is False
    assert facts_from_alist(field(package, "properties")).weights_license is None


@pytest.mark.parametrize("request_", [
    StubRequest("not a url"),
    StubRequest("https://example.org/"),
    StubRequest(NNUE_URL, license="MIT AND"),
    StubRequest(NNUE_URL, file="/nonexistent/weights.bin"),
])
def test_bad_requests_are_errors(request_):
    with pytest.raises(GuixmlError):
        make_stub(request_)


def test_consumer_snippet():
    stub = make_stub(StubRequest(NNUE_URL, name="sf-net", consumer="stockfish"))
    assert "stockfish" in stub.snippet
    assert all(line.startswith(";;") for line in stub.snippet.splitlines())
    inputs, arguments, properties = read_string(uncommented_snippet(stub.snippet))
    assert inputs == List([sym("inputs"), List([sym("list"), sym("sf-net")])])
    assert '"share/sf-net/nn-1c0000000000.nnue"' in flat(arguments)
    alist = properties[1][1]
    assert properties_problems(alist) == []
    assert facts_from_alist(alist).weight_inputs == ("sf-net",)


def test_layout_matches_guix_style_conventions():
    stub = make_stub(StubRequest(NNUE_URL, file=None, license="CC0-1.0"))
    lines = stub.text.splitlines()
    assert lines[0] == "(define-public nn-1c0000000000"
    assert lines[1] == "  (package"
    assert "    (source" in lines and "     (origin" in lines
    assert "       (sha256" in lines
    assert f'        (base32 "{PLACEHOLDER_HASH}"))))' in lines
    assert "    (build-system copy-build-system)" in lines


def test_layout_round_trips():
    text = ('(define-public x (package (name "x") (arguments (list #:phases #~(modify-phases '
            '%standard-phases (add-after \'unpack \'go (lambda _ (invoke "make" #$output)))))) '
            "(properties '((a . 1) (b \"c\")))))")
    [datum] = read_string(text)
    laid_out = layout(datum)
    assert max(len(line) for line in laid_out.splitlines()) <= 78
    [again] = read_string(laid_out)
    assert write(again) == write(datum)


def test_cli(tmp_path, capsys):
    weights = tmp_path / "w.nnue"
    weights.write_bytes(b"network")
    assert main(["stub", NNUE_URL, "--file", str(weights), "--license", "CC0-1.0",
                 "--for", "stockfish"]) == 0
    captured = capsys.readouterr()
    assert guix_hash_bytes(b"network") in captured.out
    assert ";; How stockfish takes" in captured.out
    assert main(["stub", NNUE_URL, "--no-snippet"]) == 0
    captured = capsys.readouterr()
    assert ";; How" not in captured.out and "placeholder" in captured.err
    assert main(["stub", NNUE_URL, "--license", "(MIT"]) == 2


# ---------------------------------------------------------------------------
# Guile reads what we write


def guile_read(path: Path) -> list[str]:
    guile = shutil.which("guile")
    if not guile:
        pytest.skip("guile is not installed")
    result = subprocess.run(
        [guile, "--no-auto-compile", "-s", str(READ_WRITE), str(path)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.guile
@pytest.mark.parametrize("license_", ["CC0-1.0", "GPL-3.0-or-later OR MIT", None, "CC-BY-NC-4.0"])
def test_guile_reads_the_stub_and_agrees_with_our_reader(tmp_path, license_):
    weights = tmp_path / "weights.pb.gz"
    weights.write_bytes(b"\x1f\x8b fake")
    stub = make_stub(StubRequest("https://storage.lczero.org/files/networks/weights_run1_744204.pb.gz",
                                 file=str(weights), license=license_,
                                 synopsis='Leela "T1" network \\ test', consumer="lc0"))
    document = tmp_path / "stub.scm"
    document.write_text(stub.text + "\n" + stub.snippet, encoding="utf-8")
    snippet = tmp_path / "snippet.scm"
    snippet.write_text(uncommented_snippet(stub.snippet), encoding="utf-8")
    for path in (document, snippet):
        ours = [write(datum) for datum in read_string(path.read_text("utf-8"))]
        assert guile_read(path) == ours
    assert len(guile_read(document)) == 1  # the snippet is comments only


# ---------------------------------------------------------------------------
# The layout never changes what is read


_atoms = st.one_of(
    st.sampled_from(["package", "list", "origin", "source", "sha256", "lambda*", "replace",
                     "modify-phases", "add-after", "arguments", "x", "%standard-phases"]).map(sym),
    st.text(max_size=30),
    st.integers(-10**6, 10**6),
    st.sampled_from(["phases", "install-plan", "key"]).map(Keyword),
    st.booleans(),
)


def _wrap(inner):
    return st.one_of(
        st.lists(inner, max_size=6).map(List),
        st.tuples(st.sampled_from(["quote", "gexp", "ungexp", "quasiquote", "unquote"]), inner)
        .map(lambda pair: List([sym(pair[0]), pair[1]])),
        st.tuples(st.lists(inner, min_size=1, max_size=3), _atoms)
        .map(lambda pair: DottedList(pair[0], pair[1])),
    )


@given(st.recursive(_atoms, _wrap, max_leaves=40), st.integers(0, 20))
@settings(max_examples=200, deadline=None)
def test_layout_reads_back_as_the_same_datum(datum, column):
    text = layout(datum, column)
    [again] = read_string(text)
    assert write(again) == write(datum)


def test_file_name_not_doubled_when_it_holds_the_name():
    stub = make_stub(StubRequest(url="https://huggingface.co/o/m/resolve/main/tiny-llm-v1.2-q4_0.gguf"))
    assert (stub.name, stub.version) == ("tiny-llm-q4-0", "1.2")
    assert "tiny-llm-q4-0-tiny-llm" not in stub.text


@pytest.mark.parametrize("url", [
    "https://example.org/models/..%2F..%2Fetc%2Fpasswd",
    "https://example.org/models/%2e%2e",
    "https://example.org/models/%2E%2E%2Fweights.bin",
    "https://example.org/models/a%5C..%5Cweights.bin",
    "https://example.org/models/weights.bin%00.txt",
    "https://example.org/models/weights%0a.bin",
])
def test_a_url_decoding_to_a_path_is_refused(url, capsys):
    with pytest.raises(StubError, match="path separator"):
        make_stub(StubRequest(url))
    assert main(["stub", url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1


@given(st.text(min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_no_decoded_url_puts_a_separator_or_dots_in_the_stub(segment):
    import urllib.parse
    url = "https://example.org/models/" + urllib.parse.quote(segment, safe="") + ".gguf"
    try:
        stub = make_stub(StubRequest(url, version="1"))
    except GuixmlError:
        return
    for part in (stub.file_name, stub.name):
        assert not any(bad in part for bad in ("/", "\\", "..", "\0", "\n"))
