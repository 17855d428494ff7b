"""classify/deep: sources located (fake store, --sources), inspected, folded into
the audit; static deletions; the JSON, show and CLI outputs; bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile

import pytest

from guixml.api import audit_report
from guixml.classify import SourceOptions
from guixml.classify.deep import Deletion, static_deletions
from guixml.report import render
from guixml.scheme import read_string
from guixml.sources import fixed_output_path, nix_base32

from tests.classify.test_content import CODE, gguf_bytes, safetensors_bytes, torch_zip_bytes

PACKAGE = """(define-module (demo pkgs)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define-public demo
  (package
    (name "demo")
    (version "1.0")
    (source (origin
              (method url-fetch)
              (uri (string-append "https://example.org/demo-" version ".tar.gz"))
              (sha256 (base32 "{hash}"))
              (snippet '(begin (delete-file "models/old.gguf")
                               (for-each delete-file (find-files "vendored" "\\\\.pt$"))
                               (with-directory-excursion "extra"
                                 (delete-file "./w.gguf")
                                 (with-directory-excursion "deep"
                                   (for-each delete-file (find-files "." "\\\\.bin$"))))))))
    (build-system gnu-build-system)
    (arguments
     (list #:phases
           #~(modify-phases %standard-phases
               (add-after 'unpack 'drop
                 (lambda _ (delete-file-recursively "third_party"))))))
    (home-page "https://example.org")
    (synopsis "A demo tool")
    (description "Does demo things.")
    (license license:expat)))

(define-public plain
  (package
    (name "plain")
    (version "2.0")
    (source (origin
              (method url-fetch)
              (uri "https://example.org/plain-2.0.tar.gz")
              (sha256 (base32 "{other}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "Plain")
    (description "Plain.")
    (license license:expat)))
"""


def nested_tarball() -> bytes:
    import io
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in (("engine/nn/vad.safetensors", safetensors_bytes()),
                           ("engine/README", b"vendored\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


NESTED = "vendor/engine-2.0.tar.gz!/engine/nn/vad.safetensors"


def make_archive(path, files: dict[str, bytes]) -> bytes:
    root = path.parent / (path.name + ".d")
    for name, data in files.items():
        (root / "demo-1.0" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "demo-1.0" / name).write_bytes(data)
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root / "demo-1.0", "demo-1.0")
    return path.read_bytes()


@pytest.fixture
def channel(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIXML_CACHE_DIR", str(tmp_path / "cache"))
    data = make_archive(tmp_path / "demo-1.0.tar.gz", {
        "models/vad.safetensors": safetensors_bytes(),
        "models/old.gguf": gguf_bytes(),
        "vendored/x/net.pt": torch_zip_bytes(),
        "third_party/llm.gguf": gguf_bytes(),
        "tests/tiny.gguf": gguf_bytes(),
        "src/run.py": CODE,
        "extra/w.gguf": gguf_bytes(),
        "extra/deep/sub/n.bin": gguf_bytes(),
        "extra/deep.bin": gguf_bytes(),
        "vendor/engine-2.0.tar.gz": nested_tarball(),
    })
    digest = hashlib.sha256(data).digest()
    chan = tmp_path / "chan"
    (chan / "demo").mkdir(parents=True)
    (chan / "demo" / "pkgs.scm").write_text(PACKAGE.format(
        hash=nix_base32(digest), other=nix_base32(hashlib.sha256(b"x").digest())))
    return tmp_path, chan, digest


def by_name(report):
    return {entry.package.name: entry for entry in report.packages}


def test_sources_dir_tangled_with_files_named_and_deletions_removed(channel):
    tmp_path, chan, _ = channel
    (tmp_path / "srcs").mkdir()
    os.replace(tmp_path / "demo-1.0.tar.gz", tmp_path / "srcs" / "demo-1.0.tar.gz")
    report = audit_report([str(chan)], cache=False,
                          sources=SourceOptions(dirs=(str(tmp_path / "srcs"),)))
    demo, plain = by_name(report)["demo"].audit, by_name(report)["plain"].audit
    assert demo.weights == "tangled" and demo.inspected
    rules = {(e.rule, e.matched.split(" ", 1)[0]) for e in demo.evidence}
    assert ("source-weights", "models/vad.safetensors") in rules
    assert ("source-weights-removed", "models/old.gguf") in rules
    assert ("source-weights-removed", "vendored/x/net.pt") in rules
    assert ("source-weights-removed", "third_party/llm.gguf") in rules
    assert ("source-weights-fixture", "tests/tiny.gguf") in rules
    assert ("source-download", "src/run.py:2") in rules
    # Under with-directory-excursion: removed, not tangled; a file beside is kept.
    assert ("source-weights-removed", "extra/w.gguf") in rules
    assert ("source-weights-removed", "extra/deep/sub/n.bin") in rules
    assert ("source-weights", "extra/deep.bin") in rules
    assert ("source-weights", NESTED) in rules
    record = demo.sources[0]
    assert record.how == "sources" and record.verified
    assert plain.inspected is False and plain.sources[0].how is None
    doc = json.loads(render(report, "json"))
    assert doc["schema_version"] == "1.1"
    package = next(p for p in doc["packages"] if p["name"] == "demo")
    assert package["inspected"] is True
    found = {f["path"]: f for f in package["sources"][0]["findings"]}
    assert found["models/vad.safetensors"]["sha256"] == hashlib.sha256(
        safetensors_bytes()).hexdigest()
    assert found["models/old.gguf"]["kind"] == "removed"
    assert found[NESTED]["sha256"] == hashlib.sha256(safetensors_bytes()).hexdigest()
    plain_json = next(p for p in doc["packages"] if p["name"] == "plain")
    assert plain_json["inspected"] is False and plain_json["sources"][0]["found"] is False


def test_fake_store_found_at_the_guix_path_and_mismatch_is_a_finding(channel):
    tmp_path, chan, digest = channel
    store = tmp_path / "store"
    store.mkdir()
    item = fixed_output_path("demo-1.0.tar.gz", digest, recursive=False, store_dir=str(store))
    os.replace(tmp_path / "demo-1.0.tar.gz", item)
    report = audit_report([str(chan)], cache=False, sources=SourceOptions(store=str(store)))
    demo = by_name(report)["demo"].audit
    assert demo.weights == "tangled" and demo.sources[0].how == "store"
    # The same path with other bytes: a hash-mismatch problem, never inspected.
    with open(item, "ab") as stream:
        stream.write(b"tampered")
    report = audit_report([str(chan)], cache=False, sources=SourceOptions(store=str(store)))
    demo = by_name(report)["demo"].audit
    assert demo.weights == "none" and demo.inspected is False
    assert any(p.kind == "hash-mismatch" for p in report.problems)


def test_no_sources_sought_is_byte_identical(channel):
    _, chan, _ = channel
    plain = render(audit_report([str(chan)], cache=False), "json")
    none = render(audit_report([str(chan)], cache=False, sources=SourceOptions()), "json")
    assert plain == none and '"schema_version": "1.0"' in plain and '"sources"' not in plain


def test_cli_audit_and_show(channel):
    tmp_path, chan, _ = channel
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    run = lambda *args: subprocess.run([sys.executable, "-m", "guixml", *args],  # noqa: E731
                                       capture_output=True, text=True, env=env)
    table = run("audit", str(chan), "--sources", str(tmp_path), "--store", "")
    assert "tangled" in table.stdout and "Traceback" not in table.stderr
    assert "    tangled: models/vad.safetensors in the source" in table.stdout
    assert "Sources inspected for 1 of 2 packages" in table.stdout
    shown = run("show", "demo", str(chan), "--sources", str(tmp_path), "--store", "")
    assert "models/vad.safetensors (safetensors" in shown.stdout
    assert "src/run.py:2 downloads org/vad-model at run time" in shown.stdout


def test_static_deletions():
    datum = read_string("""(begin (delete-file "./a/b.onnx") (delete-file-recursively "c/")
      (for-each delete-file (find-files "d" "\\\\.bin$"))
      (for-each delete-file-recursively '("e" "f"))
      (for-each delete-file (list "g.pt"))
      (delete-file (string-append "x" "y"))
      (with-directory-excursion "h" (delete-file "i.onnx")
        (with-directory-excursion "../j/" (delete-file-recursively "k")
          (for-each delete-file (find-files "." "\\\\.pt$"))))
      (with-directory-excursion "/abs" (delete-file "l"))
      (with-directory-excursion (string-append "m") (delete-file "n"))
      (delete-file "../outside"))""")[0]
    assert static_deletions(datum) == (
        Deletion("a/b.onnx"), Deletion("c", True), Deletion("d", True, "\\.bin$"),
        Deletion("e", True), Deletion("f", True), Deletion("g.pt"),
        Deletion("h/i.onnx"), Deletion("j/k", True), Deletion("j", True, "\\.pt$"))
    assert Deletion("c", True).covers("c/x/y") and not Deletion("c").covers("c/x")
    assert Deletion("d", True, "\\.bin$").covers("d/q/m.bin")
    assert not Deletion("d", True, "\\.bin$").covers("e/m.bin")
    assert Deletion("d", True, "(").covers("d/x") is False  # a bad regex covers nothing


def test_sboms_list_weight_files_with_hashes(channel):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from _schemas import errors
    tmp_path, chan, _ = channel
    report = audit_report([str(chan)], cache=False,
                          sources=SourceOptions(dirs=(str(tmp_path),)))
    digest = hashlib.sha256(safetensors_bytes()).hexdigest()
    from guixml.report.cyclonedx import document as cyclonedx
    from guixml.report.spdx import document as spdx
    bom = cyclonedx(report)
    assert errors("cyclonedx", bom) == [] and bom["specVersion"] == "1.7"
    demo = next(c for c in bom["components"] if c["name"] == "demo")
    files = {c["name"]: c for c in demo["components"] if "hashes" in c}
    assert files["models/vad.safetensors"]["hashes"] == [{"alg": "SHA-256", "content": digest}]
    assert "models/old.gguf" not in files  # removed by the snippet
    assert files[NESTED]["hashes"] == [{"alg": "SHA-256", "content": digest}]  # nested
    graph = spdx(report)
    assert errors("spdx", graph) == []
    spdx_files = {e["name"]: e for e in graph["@graph"] if e.get("type") == "software_File"}
    assert spdx_files["models/vad.safetensors"]["verifiedUsing"][0]["hashValue"] == digest
    assert spdx_files[NESTED]["verifiedUsing"][0]["hashValue"] == digest
    sarif = json.loads(render(report, "sarif"))
    messages = " ".join(r["message"]["text"] for r in sarif["runs"][0]["results"])
    assert "models/vad.safetensors" in messages


def test_fold_payload_share_and_c_arrays():
    from guixml.classify.content import ContentFinding
    from guixml.classify.deep import fold
    from guixml.classify.results import PackageAudit, SourceRecord
    from guixml.evaluate import Package
    audit = PackageAudit(Package(module="(m)", file="m.scm", variable="p", name="p", version="1"))
    def record(fmt):
        return (SourceRecord("f.scm:1:0", None, "sources", "/x", True,
                             findings=(ContentFinding("weights", "w.bin", fmt, 10**6),)),)
    assert fold(audit, record("gguf"), {0: 10**6 + 10}).weights == "model"
    assert fold(audit, record("gguf"), {0: 10**8}).weights == "tangled"
    assert fold(audit, record("c-array"), {0: 10**6}).weights == "tangled"
    assert fold(audit, (), {}).inspected is False
