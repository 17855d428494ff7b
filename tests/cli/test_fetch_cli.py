"""``audit --fetch`` end to end, through the CLI, against a local HTTP server on
127.0.0.1 and a git repository made here: url-fetch, mirror:// expanded from the
audited tree's own %mirrors, the PyPI simple-API fallback, git-fetch at a
commit; a hash mismatch is a finding and is never inspected."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Iterator

import pytest

from guixml.sources.common import nix_base32
from guixml.sources.nar import nar_hash

from tests.classify.test_content import CODE, gguf_bytes, safetensors_bytes

SERVED: dict[str, bytes] = {}
BULK = b"int f(void) { return 0; }\n" * 10_000  # code, so that weights are not the payload
ASKED: list[str] = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        ASKED.append(self.path)
        body = SERVED.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    SERVED.clear()
    ASKED.clear()


def tarball(top: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return nix_base32(hashlib.sha256(data).digest())


def git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd))
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


DOWNLOAD_SCM = """(define-module (guix download))
(define %mirrors
  (let* ((gnu '("{server}/nowhere/" "{server}/gnu/")))
    `((gnu ,@gnu)
      (savannah "{server}/savannah/"))))
"""

PACKAGES = """(define-module (demo fetched)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix git-download)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define-public mirrored
  (package
    (name "mirrored")
    (version "1.0")
    (source (origin
              (method url-fetch)
              (uri (string-append "mirror://gnu/mirrored/mirrored-" version ".tar.gz"))
              (sha256 (base32 "{mirrored}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "Mirrored")
    (description "Mirrored.")
    (license license:expat)))

(define-public fromindex
  (package
    (name "python-foo-bar")
    (version "2.0")
    (source (origin
              (method url-fetch)
              (uri "{prefix}f/foo-bar/foo-bar-2.0.tar.gz")
              (sha256 (base32 "{pypi}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "From the index")
    (description "From the index.")
    (license license:expat)))

(define-public tampered
  (package
    (name "tampered")
    (version "3.0")
    (source (origin
              (method url-fetch)
              (uri "{server}/dl/tampered-3.0.tar.gz")
              (sha256 (base32 "{tampered}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "Tampered")
    (description "Tampered.")
    (license license:expat)))

(define-public checkout
  (package
    (name "checkout")
    (version "4.0")
    (source (origin
              (method git-fetch)
              (uri (git-reference (url "{repo}") (commit "{commit}")))
              (file-name (git-file-name name version))
              (sha256 (base32 "{checkout}"))))
    (build-system gnu-build-system)
    (home-page "https://example.org")
    (synopsis "Checkout")
    (description "Checkout.")
    (license license:expat)))
"""


def test_audit_fetch_end_to_end(server: str, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("no git")
    mirrored = tarball("mirrored-1.0", {"models/llm.gguf": gguf_bytes(), "src/a.c": BULK})
    SERVED["/gnu/mirrored/mirrored-1.0.tar.gz"] = mirrored
    pypi = tarball("foo_bar-2.0", {"foo_bar/nn.safetensors": safetensors_bytes(),
                                    "foo_bar/a.py": BULK})
    SERVED["/files/ab/foo_bar-2.0.tar.gz"] = pypi
    SERVED["/simple/foo-bar/"] = json.dumps({"files": [
        {"filename": "foo_bar-2.0.tar.gz", "url": "/files/ab/foo_bar-2.0.tar.gz",
         "hashes": {"sha256": hashlib.sha256(pypi).hexdigest()}}]}).encode()
    genuine = tarball("tampered-3.0", {"src/main.c": b"int main(void) { return 0; }\n"})
    SERVED["/dl/tampered-3.0.tar.gz"] = tarball("tampered-3.0", {"m.gguf": gguf_bytes()})
    work = tmp_path / "repo"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / "run.py").write_bytes(CODE)
    git("add", ".", cwd=work)
    git("commit", "-qm", "one", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work)
    expected = tmp_path / "expected"
    expected.mkdir()
    shutil.copy(work / "run.py", expected / "run.py")
    (work / "later.gguf").write_bytes(gguf_bytes())  # after the commit: never seen
    git("add", ".", cwd=work)
    git("commit", "-qm", "two", cwd=work)

    tree = tmp_path / "tree"
    (tree / "guix").mkdir(parents=True)
    (tree / "guix" / "download.scm").write_text(DOWNLOAD_SCM.format(server=server))
    (tree / "demo").mkdir()
    prefix = f"{server}/packages/source/"  # not served: the simple API finds the file
    (tree / "demo" / "fetched.scm").write_text(PACKAGES.format(
        server=server, prefix=prefix, repo=work, commit=commit, mirrored=sha(mirrored),
        pypi=sha(pypi), tampered=sha(genuine), checkout=nix_base32(nar_hash(expected))))
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "GUIXML_CACHE_DIR": str(cache),
           "GUIXML_PYPI_INDEX": f"{server}/simple/", "GUIXML_PYPI_SOURCE_PREFIX": prefix}
    env.pop("GUIX_SOURCE", None)
    before = {str(p) for p in tmp_path.rglob("*")}
    done = subprocess.run([sys.executable, "-m", "guixml", "audit", str(tree), "--fetch",
                           "--store", "", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    packages = {p["name"]: p for p in document["packages"]}
    record = lambda name: packages[name]["sources"][0]  # noqa: E731

    # mirror:// from the tree's own %mirrors: the first mirror 404s, the second serves.
    assert "/nowhere/mirrored/mirrored-1.0.tar.gz" in ASKED
    assert record("mirrored")["how"] == "fetch" and record("mirrored")["verified"]
    assert packages["mirrored"]["weights"] == "tangled"
    assert {f["path"] for f in record("mirrored")["findings"]} == {"models/llm.gguf"}
    # pypi-uri: the plain URL is not served; the simple API gives the same file.
    assert "/packages/source/f/foo-bar/foo-bar-2.0.tar.gz" in ASKED and "/simple/foo-bar/" in ASKED
    assert record("python-foo-bar")["verified"]
    assert packages["python-foo-bar"]["weights"] == "tangled"
    # A hash mismatch: a finding, never inspected, nothing kept.
    assert packages["tampered"]["inspected"] is False and packages["tampered"]["weights"] == "none"
    mismatches = [p for p in document["problems"] if p["kind"] == "hash-mismatch"]
    assert len(mismatches) == 1 and "fetched.scm" in json.dumps(mismatches[0])
    # git-fetch at the commit: the later commit's weights are not in it.
    assert record("checkout")["how"] == "fetch" and record("checkout")["verified"]
    assert packages["checkout"]["weights"] == "external"
    assert not any("later.gguf" in f["path"] for f in record("checkout")["findings"])
    # Nothing written outside the cache.
    written = {str(p) for p in tmp_path.rglob("*")} - before
    assert all(p.startswith(str(cache)) for p in written), sorted(written)[:5]
    assert not any(cache.rglob("tampered-3.0*"))
    # A second audit is served by the cache: nothing downloaded again.
    ASKED.clear()
    again = subprocess.run([sys.executable, "-m", "guixml", "audit", str(tree), "--fetch",
                            "--store", "", "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0 and json.loads(again.stdout)["packages"] == document["packages"]
    assert ASKED == ["/dl/tampered-3.0.tar.gz"]  # only what did not verify is asked again
