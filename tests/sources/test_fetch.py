"""--fetch against a local HTTP server on 127.0.0.1 and a git repository made here."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import pytest

from guixml.sources.common import Wanted, nix_base32
from guixml.sources.fetch import Fetcher, expand_uri, pypi_file, read_mirrors
from guixml.sources.nar import nar_hash

FILES: dict[str, tuple[bytes, str]] = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        entry = FILES.get(self.path)
        if entry is None:
            self.send_error(404)
            return
        body, kind = entry
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def sha(data: bytes) -> str:
    return nix_base32(hashlib.sha256(data).digest())


def test_url_fetch_verifies_and_caches(server: str, tmp_path: Path) -> None:
    FILES["/dl/p-1.tar.gz"] = (b"release bytes", "application/gzip")
    wanted = Wanted("p", "1", "url-fetch", (f"{server}/missing/p-1.tar.gz",
                                            f"{server}/dl/p-1.tar.gz"),
                    sha256=sha(b"release bytes"), where="p.scm:2:3")
    fetcher = Fetcher(tmp_path / "cache")
    found, warnings = fetcher.fetch([wanted])
    assert warnings == [] and len(found) == 1
    located = found[0]
    assert located.how == "fetch" and located.verified
    assert Path(located.path).read_bytes() == b"release bytes"
    assert Path(located.path).is_relative_to(tmp_path / "cache")
    del FILES["/dl/p-1.tar.gz"]
    again, _ = Fetcher(tmp_path / "cache").fetch([wanted])  # from the cache
    assert again[0].path == located.path


def test_hash_mismatch_is_a_finding_and_not_kept(server: str, tmp_path: Path) -> None:
    FILES["/dl/q-1.tar.gz"] = (b"tampered", "application/gzip")
    wanted = Wanted("q", "1", "url-fetch", (f"{server}/dl/q-1.tar.gz",),
                    sha256=sha(b"genuine"), where="q.scm:7:1")
    found, warnings = Fetcher(tmp_path / "cache").fetch([wanted])
    assert found == []
    assert [(w.where, w.kind) for w in warnings] == [("q.scm:7:1", "hash-mismatch")]
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()
                 and p.name != "hashes.json"]
    assert leftovers == []


def test_size_bound(server: str, tmp_path: Path) -> None:
    FILES["/dl/big"] = (b"\0" * 100_000, "application/octet-stream")
    wanted = Wanted("b", "1", "url-fetch", (f"{server}/dl/big",), sha256=sha(b"\0" * 100_000),
                    where="b.scm:1:1")
    found, warnings = Fetcher(tmp_path / "cache", max_bytes=10_000).fetch([wanted])
    assert found == [] and "more than 10000 bytes" in warnings[0].message


def test_mirror_uris_from_a_static_reading(server: str, tmp_path: Path) -> None:
    scm = tmp_path / "download.scm"
    scm.write_text(f"""(define-module (guix download))
(define %mirrors
  (let* ((base '("{server}/nowhere/" "{server}/gnu/")))
    `((gnu ,@base)
      (gcc ,@(map (cut string-append <> "/gcc") base))
      (weird ,(some-procedure))
      (sf "{server}/sf"))))
""")
    mirrors, warnings = read_mirrors(scm)
    assert mirrors == {"gnu": (f"{server}/nowhere/", f"{server}/gnu/"),
                       "gcc": (f"{server}/nowhere//gcc", f"{server}/gnu//gcc"),
                       "sf": (f"{server}/sf",)}
    assert len(warnings) == 1 and warnings[0].where.endswith(":6:14")
    assert expand_uri("mirror://gnu/hello/h.tar", mirrors) == [
        f"{server}/nowhere/hello/h.tar", f"{server}/gnu/hello/h.tar"]
    FILES["/gnu/hello/h.tar"] = (b"hello", "application/x-tar")
    wanted = Wanted("hello", "1", "url-fetch", ("mirror://gnu/hello/h.tar",),
                    sha256=sha(b"hello"), where="h.scm:1:1")
    found, _ = Fetcher(tmp_path / "cache", mirrors=mirrors).fetch([wanted])
    assert len(found) == 1


def test_real_mirrors_of_the_tree() -> None:
    root = os.environ.get("GUIX_SOURCE")
    if not root:
        pytest.skip("GUIX_SOURCE is not set")
    mirrors, warnings = read_mirrors(Path(root) / "guix" / "download.scm")
    assert warnings == []
    assert mirrors["gnu"][0].startswith("http") and "sourceforge" in mirrors and "cran" in mirrors


def test_pypi_simple_api_fallback(server: str, tmp_path: Path) -> None:
    body = b"sdist bytes"
    FILES["/files/ab/cd/foo_bar-1.0.tar.gz"] = (body, "application/gzip")
    FILES["/simple/foo-bar/"] = (json.dumps({"files": [
        {"filename": "foo_bar-0.9.tar.gz", "url": "/files/x/foo_bar-0.9.tar.gz"},
        {"filename": "foo_bar-1.0.tar.gz", "url": "../../files/ab/cd/foo_bar-1.0.tar.gz",
         "hashes": {"sha256": hashlib.sha256(body).hexdigest()}}]}).encode(),
        "application/vnd.pypi.simple.v1+json")
    prefix = f"{server}/packages/source/"
    assert pypi_file(prefix + "f/foo-bar/foo-bar-1.0.tar.gz", prefix) == \
        ("foo-bar", "foo-bar-1.0.tar.gz")
    wanted = Wanted("python-foo-bar", "1.0", "url-fetch",
                    (prefix + "f/foo-bar/foo-bar-1.0.tar.gz",), sha256=sha(body),
                    where="py.scm:4:5")
    fetcher = Fetcher(tmp_path / "cache", pypi_prefix=prefix, pypi_index=f"{server}/simple/")
    found, warnings = fetcher.fetch([wanted])
    assert len(found) == 1 and Path(found[0].path).read_bytes() == body


def test_refuses_other_schemes(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"s")
    wanted = Wanted("s", "1", "url-fetch", (f"file://{secret}",), sha256=sha(b"s"),
                    where="s.scm:1:1")
    found, warnings = Fetcher(tmp_path / "cache").fetch([wanted])
    assert found == [] and "scheme file" in warnings[0].message


def git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd))
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, bytes]:
    if shutil.which("git") is None:
        pytest.skip("no git")
    work = tmp_path / "repo"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / "src").mkdir()
    (work / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    os.symlink("src/main.c", work / "link")
    git("add", ".", cwd=work)
    git("commit", "-qm", "one", cwd=work)
    git("tag", "v1", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work)
    (work / "later").write_text("after v1\n")
    git("add", ".", cwd=work)
    git("commit", "-qm", "two", cwd=work)
    expected_tree = tmp_path / "expected"
    shutil.copytree(work, expected_tree, symlinks=True)
    shutil.rmtree(expected_tree / ".git")
    (expected_tree / "later").unlink()
    return work, commit, nar_hash(expected_tree)


@pytest.mark.parametrize("at", ["commit", "tag"])
def test_git_fetch_at_the_commit(repo: tuple[Path, str, bytes], tmp_path: Path, at: str) -> None:
    work, commit, digest = repo
    wanted = Wanted("g", "1", "git-fetch", (str(work),), commit=commit if at == "commit" else "v1",
                    sha256=nix_base32(digest), file_name="g-1-checkout", where="g.scm:3:3")
    found, warnings = Fetcher(tmp_path / "cache").fetch([wanted])
    assert warnings == [] and len(found) == 1
    assert not (Path(found[0].path) / ".git").exists()
    assert nar_hash(found[0].path) == digest


def test_git_mismatch_and_bad_arguments(repo: tuple[Path, str, bytes], tmp_path: Path) -> None:
    work, commit, _ = repo
    wrong = Wanted("g", "1", "git-fetch", (str(work),), commit=commit,
                   sha256=nix_base32(b"\7" * 32), where="g.scm:3:3")
    dash = Wanted("g", "1", "git-fetch", ("--upload-pack=touch /tmp/x",), commit=commit,
                  sha256=nix_base32(b"\7" * 32), where="g.scm:9:3")
    found, warnings = Fetcher(tmp_path / "cache").fetch([wrong, dash])
    assert found == []
    assert [(w.where, w.kind) for w in warnings] == [("g.scm:3:3", "hash-mismatch"),
                                                     ("g.scm:9:3", "warning")]
    assert not list((tmp_path / "cache" / "fetched").rglob("*")) if \
        (tmp_path / "cache" / "fetched").exists() else True
