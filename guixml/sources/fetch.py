"""``--fetch``: download an origin's source, check the declared hash, keep it.

``url-fetch`` origins (and ``url-fetch/executable``, ``/tarbomb``,
``/zipbomb``) are downloaded over HTTP(S) with :mod:`urllib`: ``mirror://NAME/…``
URIs are expanded from the tree's own ``%mirrors`` (``guix/download.scm``,
read statically by :func:`read_mirrors`: the reader, never Guile), each URL
tried in turn; for a ``pypi-uri`` URL that is not served, the Python package
index's simple API (JSON) finds the file of the same name.  ``git-fetch``
origins are fetched with the ``git`` program at their commit (or tag), the
``.git`` directory removed as Guix's checkout does, and hashed as a NAR.

Every download is bounded in bytes and time and lands in a temporary file of
the cache; it moves to its content address
(``CACHE/fetched/{sha256,nar}/HASH/NAME``) only once its hash is the declared
one.  A file whose hash disagrees is deleted and reported as a
``hash-mismatch`` finding: it is never handed on.

Public API::

    read_mirrors(download_scm) -> (mirrors, warnings)
    expand_uri(uri, mirrors) -> list[str]
    pypi_file(uri, prefix) -> (project, file name) | None
    Fetcher(cache_dir, mirrors=…, timeout=…, max_bytes=…).fetch(wanted) -> (located, warnings)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterable

from guixml.scheme import List, Symbol
from guixml.errors import GuixmlError
from guixml.scheme import read_file
from guixml.sources.common import (HASH_MISMATCH, Located, SourcesError, SourceWarning,
                                   Wanted, declared_digest, nix_base32, sources_cache_dir)
from guixml.sources.hashes import HashCache, item_hashes
from guixml.sources.nar import nar_hash
from guixml.sources.store import method_spec, origin_name

__all__ = ["read_mirrors", "expand_uri", "pypi_file", "Fetcher", "PYPI_SOURCE_PREFIX",
           "PYPI_SIMPLE"]

#: What ``pypi-uri`` produces (guix/build-system/pyproject.scm).
PYPI_SOURCE_PREFIX = "https://files.pythonhosted.org/packages/source/"
PYPI_SIMPLE = "https://pypi.org/simple/"
_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_CHUNK = 1 << 16
_USER_AGENT = "guixml-sources (+https://guix.gnu.org)"


# --- %mirrors, read statically -------------------------------------------------

class _Unsupported(Exception):
    def __init__(self, datum: Any, what: str) -> None:
        super().__init__(what)
        self.datum = datum


def _is(datum: Any, name: str) -> bool:
    return isinstance(datum, Symbol) and str(datum) == name


def _where(datum: Any, fallback: str) -> str:
    location = getattr(datum, "location", None)
    return str(location) if location is not None else fallback


def _static(datum: Any, env: dict[str, Any]) -> Any:
    """The value of DATUM among the few forms ``%mirrors`` is written with."""
    if type(datum) is str:
        return datum
    if isinstance(datum, Symbol):
        if str(datum) in env:
            return env[str(datum)]
        raise _Unsupported(datum, f"unbound variable {datum}")
    if isinstance(datum, List) and datum:
        head = datum[0]
        if _is(head, "quote") and len(datum) == 2:
            return datum[1]
        if _is(head, "quasiquote") and len(datum) == 2:
            return _quasi(datum[1], env)
        if (_is(head, "let") or _is(head, "let*")) and len(datum) >= 3 \
                and isinstance(datum[1], List):
            inner = dict(env)
            for binding in datum[1]:
                if not (isinstance(binding, List) and len(binding) == 2
                        and isinstance(binding[0], Symbol)):
                    raise _Unsupported(binding, "a let binding of another shape")
                inner[str(binding[0])] = _static(binding[1], inner if _is(head, "let*") else env)
            return _static(datum[-1], inner)
        if _is(head, "map") and len(datum) == 3:
            function = datum[1]
            items = _static(datum[2], env)
            if (isinstance(function, List) and len(function) == 4 and _is(function[0], "cut")
                    and _is(function[1], "string-append") and isinstance(items, list)):
                left, right = function[2], function[3]
                if _is(left, "<>") and type(right) is str:
                    return [item + right for item in items if type(item) is str]
                if _is(right, "<>") and type(left) is str:
                    return [left + item for item in items if type(item) is str]
        if _is(head, "string-append") and all(type(part) is str for part in datum[1:]):
            return "".join(datum[1:])
    raise _Unsupported(datum, "a form static reading does not evaluate")


def _quasi(datum: Any, env: dict[str, Any]) -> Any:
    if isinstance(datum, List):
        if datum and _is(datum[0], "unquote") and len(datum) == 2:
            return _static(datum[1], env)
        out: list[Any] = []
        for item in datum:
            if isinstance(item, List) and item and _is(item[0], "unquote-splicing") \
                    and len(item) == 2:
                value = _static(item[1], env)
                if not isinstance(value, list):
                    raise _Unsupported(item, "unquote-splicing of a non-list")
                out.extend(value)
            else:
                out.append(_quasi(item, env))
        return out
    return datum


def read_mirrors(download_scm: str | os.PathLike[str]
                 ) -> tuple[dict[str, tuple[str, ...]], list[SourceWarning]]:
    """The ``%mirrors`` of DOWNLOAD_SCM (a tree's ``guix/download.scm``), read
    without evaluating Scheme: mirror name -> base URLs, and what could not be read."""
    path = os.fspath(download_scm)
    warnings: list[SourceWarning] = []
    try:
        data = read_file(path)
    except (GuixmlError, OSError) as error:
        return {}, [SourceWarning(path, f"cannot read %mirrors: {error}")]
    for form in data:
        if (isinstance(form, List) and len(form) == 3 and _is(form[0], "define")
                and _is(form[1], "%mirrors")):
            break
    else:
        return {}, [SourceWarning(path, "no (define %mirrors …) form")]
    body, env = form[2], {}
    # Walk down the lets to the alist, so one bad entry costs only itself.
    while isinstance(body, List) and body and (_is(body[0], "let") or _is(body[0], "let*")):
        try:
            for binding in body[1]:
                env[str(binding[0])] = _static(binding[1], env)
        except (_Unsupported, TypeError, IndexError) as error:
            where = _where(getattr(error, "datum", body), path)
            return {}, [SourceWarning(where, f"cannot read %mirrors: {error}")]
        body = body[-1]
    if not (isinstance(body, List) and len(body) == 2 and _is(body[0], "quasiquote")
            and isinstance(body[1], List)):
        return {}, [SourceWarning(_where(body, path), "%mirrors is not a quasiquoted alist")]
    mirrors: dict[str, tuple[str, ...]] = {}
    for entry in body[1]:
        try:
            value = _quasi(entry, env)
        except _Unsupported as error:
            warnings.append(SourceWarning(_where(error.datum, _where(entry, path)),
                                          f"mirror entry skipped: {error}"))
            continue
        if (isinstance(value, list) and value and isinstance(value[0], Symbol)
                and all(type(url) is str for url in value[1:])):
            mirrors[str(value[0])] = tuple(value[1:])
        else:
            warnings.append(SourceWarning(_where(entry, path), "mirror entry of another shape"))
    return mirrors, warnings


def expand_uri(uri: str, mirrors: dict[str, tuple[str, ...]]) -> list[str]:
    """URI itself, or for ``mirror://NAME/PATH`` each mirror's URL for PATH
    (Guix's ``maybe-expand-mirrors`` and ``uri-vicinity``)."""
    if not uri.startswith("mirror://"):
        return [uri]
    name, _, path = uri[len("mirror://"):].partition("/")
    return [base.rstrip("/") + "/" + path.strip("/") for base in mirrors.get(name, ())]


def pypi_file(uri: str, prefix: str = PYPI_SOURCE_PREFIX) -> tuple[str, str] | None:
    """(project, file name) of a ``pypi-uri`` URL, else None."""
    if not uri.startswith(prefix):
        return None
    parts = uri[len(prefix):].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return urllib.parse.unquote(parts[1]), urllib.parse.unquote(parts[2])


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- the fetcher ----------------------------------------------------------------

class _Failed(Exception):
    """One attempt that did not give the file (the next URL is tried)."""


class Fetcher:
    """Downloads and checks origins into CACHE_DIR (see the module docstring).

    MIRRORS maps mirror names to base URLs (:func:`read_mirrors`); TIMEOUT
    bounds each download or git command in seconds, MAX_BYTES its size.
    PYPI_PREFIX and PYPI_INDEX say what a ``pypi-uri`` URL looks like and
    where the simple API is (tests point them at a local server).
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None, *,
                 mirrors: dict[str, tuple[str, ...]] | None = None,
                 timeout: float = 300.0, max_bytes: int = 2 << 30,
                 pypi_prefix: str = PYPI_SOURCE_PREFIX, pypi_index: str = PYPI_SIMPLE,
                 git: str = "git", schemes: tuple[str, ...] = ("http", "https")) -> None:
        self.root = sources_cache_dir(cache_dir)
        self.mirrors = mirrors or {}
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.pypi_prefix = pypi_prefix
        self.pypi_index = pypi_index.rstrip("/") + "/"
        self.git = git
        self.schemes = schemes
        self.hash_cache = HashCache(self.root / "hashes.json")

    # -- public --

    def fetch(self, wanted: Iterable[Wanted]) -> tuple[list[Located], list[SourceWarning]]:
        """Fetch each origin of WANTED that is not already in the cache."""
        found: list[Located] = []
        warnings: list[SourceWarning] = []
        for item in wanted:
            located = self.fetch_one(item, warnings)
            if located is not None:
                found.append(located)
        self.hash_cache.save()
        return found, warnings

    def fetch_one(self, wanted: Wanted, warnings: list[SourceWarning]) -> Located | None:
        spec = method_spec(wanted.method)
        digest = declared_digest(wanted)
        name = origin_name(wanted) or "source"
        if spec is None:
            warnings.append(SourceWarning(wanted.where, f"origin method "
                                          f"{wanted.method or '(none)'}: not fetched"))
            return None
        if digest is None:
            warnings.append(SourceWarning(wanted.where, "no declared sha256: not fetched"))
            return None
        if spec.name_prefix and name.startswith(spec.name_prefix):
            name = name[len(spec.name_prefix):]
        name = name.replace("/", "_") or "source"
        expected = nix_base32(digest)
        target = self.root / "fetched" / ("nar" if spec.recursive else "sha256") / expected / name
        cached = self._cached(target, expected, spec.recursive, wanted, warnings)
        if cached is not None:
            return cached
        try:
            if spec.kind == "url":
                self._fetch_url(wanted, target, expected, spec.recursive, warnings)
            elif wanted.method in ("git-fetch", "git-fetch/lfs"):
                self._fetch_git(wanted, target, expected, warnings)
            else:
                warnings.append(SourceWarning(wanted.where,
                                              f"{wanted.method} origins are not fetched"))
                return None
        except _Failed as failure:
            warnings.append(SourceWarning(wanted.where, str(failure)))
            return None
        if not os.path.lexists(target):
            return None
        return Located(wanted, str(target), "fetch", True, expected, spec.recursive)

    # -- the cache --

    def _cached(self, target: Path, expected: str, recursive: bool, wanted: Wanted,
                warnings: list[SourceWarning]) -> Located | None:
        if not os.path.lexists(target):
            return None
        try:
            hashes = item_hashes(target, self.hash_cache, archives=False)
        except SourcesError as error:
            warnings.append(SourceWarning(wanted.where, f"cached copy unreadable: {error}"))
            return None
        if hashes.get("nar" if recursive else "sha256") == expected:
            return Located(wanted, str(target), "fetch", True, expected, recursive)
        warnings.append(SourceWarning(wanted.where, f"cached copy {target} no longer has the "
                                      "declared hash: removed", HASH_MISMATCH))
        _remove(target)
        return None

    def _room(self) -> Path:
        room = self.root / "tmp"
        room.mkdir(parents=True, exist_ok=True)
        return room

    def _settle(self, temporary: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)

    # -- url-fetch --

    def _urls(self, wanted: Wanted) -> list[str]:
        urls: list[str] = []
        for uri in wanted.uris:
            urls.extend(url for url in expand_uri(uri, self.mirrors) if url not in urls)
            if uri.startswith("mirror://") and not expand_uri(uri, self.mirrors):
                urls.append(uri)  # reported as not fetchable below
        return urls

    def _fetch_url(self, wanted: Wanted, target: Path, expected: str, recursive: bool,
                   warnings: list[SourceWarning]) -> None:
        tried: list[str] = []
        for url in self._urls(wanted):
            candidates = [url]
            pypi = pypi_file(url, self.pypi_prefix)
            for attempt, candidate in enumerate(candidates):
                try:
                    # Done, whether it matched or was a mismatch (reported): a
                    # served file that is not the declared one ends the search.
                    self._download(candidate, target, expected, recursive, wanted, warnings)
                    return
                except _Failed as failure:
                    tried.append(f"{candidate}: {failure}")
                if attempt == 0 and pypi is not None:
                    try:
                        candidates.append(self._pypi_url(*pypi, expected))
                    except _Failed as failure:
                        tried.append(f"{self.pypi_index}{pypi[0]}/: {failure}")
        raise _Failed("not fetched: " + ("; ".join(tried) if tried else "no URL to fetch"))

    def _open(self, url: str, accept: str | None = None, deadline: float | None = None) -> Any:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in self.schemes:
            raise _Failed(f"URL scheme {scheme or '(none)'} is not fetched")
        headers = {"User-Agent": _USER_AGENT}
        if accept:
            headers["Accept"] = accept
        left = self.timeout if deadline is None else deadline - time.monotonic()
        if left <= 0:
            raise _Failed("time bound reached")
        try:
            return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                          timeout=left)
        except urllib.error.HTTPError as error:
            raise _Failed(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise _Failed(f"{getattr(error, 'reason', error)}") from None

    def _pypi_url(self, project: str, file_name: str, expected: str) -> str:
        """The URL of FILE_NAME among PROJECT's files in the simple API."""
        index_url = self.pypi_index + urllib.parse.quote(_normal(project)) + "/"
        response = self._open(index_url, accept=_SIMPLE_JSON)
        with response:
            body = response.read(32 << 20)
        try:
            files = json.loads(body)["files"]
            assert isinstance(files, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise _Failed("the index answered no simple-API JSON") from None
        exact = [item for item in files if isinstance(item, dict)
                 and item.get("filename") == file_name]
        near = [item for item in files if isinstance(item, dict)
                and _normal(str(item.get("filename", ""))) == _normal(file_name)]
        for item in exact + near:
            url = item.get("url")
            if isinstance(url, str):
                return urllib.parse.urljoin(index_url, url)
        raise _Failed(f"the index has no file {file_name}")

    def _download(self, url: str, target: Path, expected: str, recursive: bool,
                  wanted: Wanted, warnings: list[SourceWarning]) -> bool:
        """Download URL; True when it has the declared hash and now lies at TARGET."""
        deadline = time.monotonic() + self.timeout
        response = self._open(url, deadline=deadline)
        descriptor, name = tempfile.mkstemp(dir=self._room(), prefix="download-")
        temporary = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with response, os.fdopen(descriptor, "wb") as out:
                while True:
                    if time.monotonic() > deadline:
                        raise _Failed(f"took more than {self.timeout:.0f} s")
                    try:
                        chunk = response.read(_CHUNK)
                    except OSError as error:
                        raise _Failed(f"download broke off ({error})") from None
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _Failed(f"more than {self.max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) != size:
                raise _Failed(f"truncated: {size} of {length} bytes")
            if recursive:  # url-fetch/executable: the NAR of an executable file
                os.chmod(temporary, 0o755)
                actual = nix_base32(nar_hash(temporary))
            else:
                actual = nix_base32(digest.digest())
            if actual != expected:
                warnings.append(SourceWarning(
                    wanted.where, f"{url} has sha256 {actual}, the origin declares "
                    f"{expected}: not used", HASH_MISMATCH))
                return False
            self._settle(temporary, target)
            return True
        finally:
            _remove(temporary)

    # -- git-fetch --

    def _run_git(self, args: list[str], cwd: Path, deadline: float) -> subprocess.CompletedProcess[str]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Failed("git: time bound reached")
        environment = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true",
                           GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
        try:
            return subprocess.run([self.git, "-c", "protocol.ext.allow=never",
                                   "-c", "advice.detachedHead=false", *args],
                                  cwd=cwd, env=environment, capture_output=True, text=True,
                                  timeout=left, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise _Failed(f"git took more than {self.timeout:.0f} s") from None
        except OSError as error:
            raise _Failed(f"cannot run git: {error.strerror}") from None

    def _fetch_git(self, wanted: Wanted, target: Path, expected: str,
                   warnings: list[SourceWarning]) -> None:
        if not wanted.uris or not wanted.commit:
            raise _Failed("git origin without URL or commit: not fetched")
        url, commit = wanted.uris[0], wanted.commit
        if url.startswith("-") or commit.startswith("-"):
            raise _Failed("git URL or commit starts with '-': not fetched")
        deadline = time.monotonic() + self.timeout
        work = Path(tempfile.mkdtemp(dir=self._room(), prefix="git-"))
        try:
            checkout = work / "checkout"
            checkout.mkdir()
            self._git_checkout(url, commit, checkout, deadline)
            if _tree_size(checkout) > self.max_bytes:
                raise _Failed(f"checkout larger than {self.max_bytes} bytes")
            actual = nix_base32(nar_hash(checkout))
            if actual != expected:
                note = (" (it has submodules, which are not fetched)"
                        if (checkout / ".gitmodules").exists() else "")
                warnings.append(SourceWarning(
                    wanted.where, f"{url} at {commit} has NAR sha256 {actual}, the origin "
                    f"declares {expected}{note}: not used", HASH_MISMATCH))
                return
            self._settle(checkout, target)
        except SourcesError as error:
            raise _Failed(f"checkout cannot be hashed: {error}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _git_checkout(self, url: str, commit: str, checkout: Path, deadline: float) -> None:
        if self._run_git(["init", "-q"], checkout, deadline).returncode:
            raise _Failed("git init failed")
        shallow = self._run_git(["fetch", "-q", "--depth", "1", "--", url, commit],
                                checkout, deadline)
        if shallow.returncode == 0:
            revision = "FETCH_HEAD"
        else:
            full = self._run_git(["fetch", "-q", "--tags", "--", url], checkout, deadline)
            if full.returncode:
                raise _Failed(f"git fetch failed: {full.stderr.strip()[-200:]}")
            revision = commit
        resolved = self._run_git(["rev-parse", "--verify", "-q", "--end-of-options",
                                  f"{revision}^{{commit}}"], checkout, deadline)
        if resolved.returncode:
            raise _Failed(f"commit {commit} not found in {url}")
        done = self._run_git(["checkout", "-q", resolved.stdout.strip()], checkout, deadline)
        if done.returncode:
            raise _Failed(f"git checkout failed: {done.stderr.strip()[-200:]}")
        shutil.rmtree(checkout / ".git")


def _tree_size(root: Path) -> int:
    total = 0
    for directory, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass

