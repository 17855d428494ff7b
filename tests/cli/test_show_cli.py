"""`guixml show PACKAGE [PATH...]`."""

import json
from pathlib import Path

import pytest

from guixml.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channel"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))


def show(capsys, *args):
    code = main(["show", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_everything_about_one_package(capsys):
    code, out, _ = show(capsys, "pawnstorm", EXAMPLE)
    assert code == 0
    assert out.startswith("pawnstorm@5.0  (example packages chess) pawnstorm")
    assert "ml-weights      separate" in out
    assert "origin.weight-extension" in out  # the evidence
    assert "nn-3d1a2c4b5e6f.nnue  origin  weights" in out  # the input's class
    assert "(properties '((ml-weights . separate)" in out  # the suggested annotation
    assert " *guix-2023  review" in out  # verdicts, the chosen policy marked


def test_existing_annotation(capsys):
    _, out, _ = show(capsys, "go-zen-network", EXAMPLE, "--policy", "gcd-008")
    assert "(from its properties annotation)" in out
    assert "Annotation (as written" in out
    assert " *gcd-008    reject" in out


def test_json(capsys):
    code, out, _ = show(capsys, "(example packages games) go-zen", EXAMPLE, "--json")
    [entry] = json.loads(out)
    assert code == 0 and entry["weights"] == "external"


def test_unknown_package(capsys):
    code, _, err = show(capsys, "nope", EXAMPLE)
    assert code == 2 and "no package named 'nope'" in err


def test_near_misses_are_listed(tmp_path, capsys):
    module = tmp_path / "demo" / "weak.scm"
    module.parent.mkdir()
    module.write_text(
        '(define-module (demo weak)\n  #:use-module (guix packages))\n\n'
        '(define-public spiking\n  (package\n    (name "spiking")\n    (version "1")\n'
        '    (source #f)\n    (build-system #f)\n'
        '    (synopsis "Simulator for spiking neural networks")\n'
        '    (description "A simulator.")\n    (home-page "https://example.org")\n'
        '    (license #f)))\n', encoding="utf-8")
    code, out, _ = show(capsys, "spiking", tmp_path)
    assert code == 0
    assert "trains models   no" in out
    assert "Near misses (evidence that did not reach a conclusion):" in out
    assert "weak: training, score 0.40 (needs 0.80)" in out
    assert "text.deep-learning-weak  [synopsis]" in out
