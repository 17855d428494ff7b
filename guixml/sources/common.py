"""What every part of the sources stage shares: the wanted origin, the located
source, the located warning, the hash notation and the cache directory.

This is the one module of the stage that imports Guix's nix-base32 codec
(in :mod:`guixml.sources.hashing`); the rest of the stage imports it from here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from attrs import frozen

from guixml.errors import GuixmlError
from guixml.sources.hashing import nix_base32, nix_base32_decode

__all__ = ["Wanted", "Located", "SourceWarning", "SourcesError", "nix_base32",
           "nix_base32_decode", "declared_digest", "wanted_from_package",
           "sources_cache_dir", "HASH_MISMATCH", "WARNING"]

#: The kinds of :class:`SourceWarning`.
WARNING = "warning"
HASH_MISMATCH = "hash-mismatch"


@frozen
class SourceWarning:
    """A problem met while locating or fetching a source, said where it is.

    ``where`` is ``file:line:column`` of the origin in its package definition
    when the problem concerns an origin, else the path on disk (with the member
    inside an archive after ``!/``).  ``kind`` is ``"warning"`` or, for a file
    whose hash disagrees with the one Guix declares, ``"hash-mismatch"``: a
    finding, the file is never handed on.
    """

    where: str
    message: str
    kind: str = WARNING

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SourcesError(GuixmlError):
    """A path or origin the stage cannot handle at all; names where."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")

    def warning(self, kind: str = WARNING) -> SourceWarning:
        return SourceWarning(self.where, self.message, kind)


@frozen
class Wanted:
    """One origin whose source is sought: a package's ``source`` or an origin input.

    ``sha256`` is the declared hash as Guix writes it (nix-base32), ``where``
    the origin's location (``file:line:column``), ``input`` the input's label
    for an origin among the inputs (``None`` for the package's own source).
    """

    package: str | None
    version: str | None
    method: str | None
    uris: tuple[str, ...] = ()
    commit: str | None = None
    sha256: str | None = None
    file_name: str | None = None
    where: str = "<unknown>"
    input: str | None = None


@frozen
class Located:
    """A source found for a :class:`Wanted`.

    ``how`` is ``"store"`` (at the path Guix gives it), ``"sources"`` (a file or
    directory of ``--sources`` whose hash is the declared one), ``"name"``
    (matched by name and version only), ``"fetch"`` (downloaded and checked).
    ``verified`` says whether its hash was computed and equals the declared
    one; ``hash`` is the nix-base32 sha256 found (flat, or of the NAR when
    ``recursive``), ``None`` when none was computed.  ``member`` names the
    archive's top directory when the match is the unpacked archive.
    """

    wanted: Wanted
    path: str
    how: str
    verified: bool
    hash: str | None
    recursive: bool
    member: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"package": self.wanted.package, "version": self.wanted.version,
                "origin": self.wanted.where, "input": self.wanted.input,
                "path": self.path, "how": self.how, "verified": self.verified,
                "hash": self.hash, "recursive": self.recursive, "member": self.member}


def declared_digest(wanted: Wanted) -> bytes | None:
    """The declared sha256 as bytes, or None when absent or not nix-base32."""
    if not wanted.sha256:
        return None
    try:
        digest = nix_base32_decode(wanted.sha256)
    except ValueError:
        return None
    return digest if len(digest) == 32 else None


def _where(origin: Any, fallback: str) -> str:
    location = getattr(origin, "location", None)
    return str(location) if location is not None else fallback


def wanted_from_package(package: Any) -> list[Wanted]:
    """The origins of PACKAGE (a :class:`guixml.evaluate.Package`): its source, then
    each inline origin among its inputs, in the order Guix lists them."""
    fallback = str(package.location) if package.location is not None else package.file
    found: list[Wanted] = []
    origins: Iterable[tuple[Any, str | None]] = [(package.source, None)] + [
        (item.origin, item.label) for item in package.all_inputs() if item.origin is not None]
    for origin, label in origins:
        if origin is None:
            continue
        found.append(Wanted(package=package.name, version=package.version,
                            method=origin.method, uris=tuple(origin.uris),
                            commit=origin.commit, sha256=origin.sha256,
                            file_name=origin.file_name, where=_where(origin, fallback),
                            input=label))
    return found


def sources_cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the stage keeps its hash cache, unpacking room and fetched sources:
    EXPLICIT, else ``$GUIXML_CACHE_DIR/sources``, else
    ``$XDG_CACHE_HOME/guixml/sources``, else ``~/.cache/guixml/sources``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("GUIXML_CACHE_DIR")
    if env:
        return Path(env) / "sources"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "guixml" / "sources"
