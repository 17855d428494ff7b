"""The store path Guix gives a fixed-output origin, and finding it in a store.

Guix's ``fixed-output-path`` (``guix/store.scm``) names the output of a
fixed-output derivation from its name and declared hash alone:

- recursive sha256 (a NAR hash: ``git-fetch``, ``hg-fetch``, ``svn-fetch``…):
  ``make-store-path "source" HASH NAME``;
- otherwise (flat ``url-fetch``): ``make-store-path "output:out"
  (sha256 "fixed:out:sha256:HEX:") NAME``;

and ``make-store-path TYPE HASH NAME`` is ``STORE/HASH32-NAME`` where HASH32 is
the nix-base32 of the sha256 of ``TYPE:sha256:HEX:STORE:NAME`` folded to 20
bytes by xor (``compressed-hash``).  NAME is the origin's ``file-name``, else
the method's default (``data/origin-methods.toml``, with Guix's citations).

Public API::

    make_store_path(kind, digest, name, store_dir="/gnu/store") -> str
    fixed_output_path(name, digest, recursive=True, store_dir=…) -> str
    method_spec(method) -> MethodSpec | None
    origin_item(wanted, store_dir=…) -> StoreItem | None
    lookup_store(wanted, store_dir=…, verify=True, cache=None) -> (located, warnings)
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Iterable

from attrs import frozen

from guixml.sources.common import (Located, SourcesError, SourceWarning, Wanted,
                                   declared_digest, nix_base32)
from guixml.sources.hashes import HashCache, item_hashes

__all__ = ["DEFAULT_STORE", "MethodSpec", "StoreItem", "make_store_path",
           "fixed_output_path", "compressed_hash", "method_spec", "origin_name",
           "origin_item", "lookup_store"]

DEFAULT_STORE = "/gnu/store"


def compressed_hash(digest: bytes, size: int) -> bytes:
    """DIGEST folded into SIZE bytes by xor, as Guix's ``compressed-hash``."""
    out = bytearray(size)
    for index, byte in enumerate(digest):
        out[index % size] ^= byte
    return bytes(out)


def make_store_path(kind: str, digest: bytes, name: str,
                    store_dir: str = DEFAULT_STORE) -> str:
    """Guix's ``make-store-path``: the store path for NAME of KIND and DIGEST."""
    text = f"{kind}:sha256:{digest.hex()}:{store_dir}:{name}"
    inner = hashlib.sha256(text.encode("utf-8")).digest()
    return f"{store_dir}/{nix_base32(compressed_hash(inner, 20))}-{name}"


def fixed_output_path(name: str, digest: bytes, *, recursive: bool = True,
                      store_dir: str = DEFAULT_STORE, output: str = "out") -> str:
    """Guix's ``fixed-output-path NAME HASH #:hash-algo 'sha256 #:recursive?``."""
    if recursive:
        return make_store_path("source", digest, name, store_dir)
    tag = f"fixed:{output}:sha256:{digest.hex()}:"
    return make_store_path(f"output:{output}", hashlib.sha256(tag.encode()).digest(),
                           name, store_dir)


@frozen
class MethodSpec:
    """How one origin method stores its fixed output (see ``origin-methods.toml``)."""

    name: str
    kind: str
    recursive: bool
    default_name: str
    name_prefix: str = ""
    cite: str = ""


@lru_cache(maxsize=1)
def _methods() -> dict[str, MethodSpec]:
    text = resources.files("guixml").joinpath("data/origin-methods.toml").read_text("utf-8")
    table: dict[str, MethodSpec] = {}
    for entry in tomllib.loads(text)["method"]:
        spec = MethodSpec(name=entry["name"], kind=entry["kind"],
                          recursive=bool(entry["recursive"]),
                          default_name=entry["default_name"],
                          name_prefix=entry.get("name_prefix", ""), cite=entry["cite"])
        for name in [entry["name"], *entry.get("aliases", [])]:
            table[name] = spec
    return table


def method_spec(method: str | None) -> MethodSpec | None:
    """What Guix does with METHOD's output, or None for a method not known."""
    return _methods().get(method) if method else None


def _basename(text: str) -> str:
    """Guile's ``basename``: the last component, trailing slashes ignored."""
    stripped = text.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else "/"


def origin_name(wanted: Wanted) -> str | None:
    """The name of the fixed-output item of WANTED: its file name or the method's
    default, with the method's prefix; None when it cannot be known."""
    spec = method_spec(wanted.method)
    if spec is None:
        return None
    if wanted.file_name:
        name = wanted.file_name
    elif spec.default_name == "uri-basename":
        if not wanted.uris:
            return None
        name = _basename(wanted.uris[0])
    elif spec.default_name:
        name = spec.default_name
    else:
        return None
    return spec.name_prefix + name


@frozen
class StoreItem:
    """Where Guix would put WANTED's fixed output, and how its hash is taken."""

    wanted: Wanted
    name: str
    path: str
    recursive: bool
    digest: bytes


def origin_item(wanted: Wanted, store_dir: str = DEFAULT_STORE) -> StoreItem | None:
    """The store item of WANTED, or None when its method, name or hash is unknown."""
    spec = method_spec(wanted.method)
    digest = declared_digest(wanted)
    name = origin_name(wanted)
    if spec is None or digest is None or name is None:
        return None
    path = fixed_output_path(name, digest, recursive=spec.recursive, store_dir=store_dir)
    return StoreItem(wanted, name, path, spec.recursive, digest)


def _why_not(wanted: Wanted) -> str:
    if method_spec(wanted.method) is None:
        return f"origin method {wanted.method or '(none)'} has no known store path"
    if declared_digest(wanted) is None:
        return "origin declares no sha256 hash that could be read"
    return "origin has no file name and its method no default one"


def lookup_store(wanted: Iterable[Wanted], store_dir: str = DEFAULT_STORE, *,
                 verify: bool = True, cache: HashCache | None = None
                 ) -> tuple[list[Located], list[SourceWarning]]:
    """The origins of WANTED present in STORE_DIR at the path Guix gives them.

    With VERIFY, the item's hash is computed (through CACHE when given) and an
    item whose hash disagrees is a ``hash-mismatch`` finding, not a source.
    Missing items are simply not found; an item that cannot be read is a
    located warning.
    """
    store_dir = store_dir.rstrip("/") or "/"
    found: list[Located] = []
    warnings: list[SourceWarning] = []
    for item_wanted in wanted:
        item = origin_item(item_wanted, store_dir)
        if item is None:
            if item_wanted.sha256 or item_wanted.method:
                warnings.append(SourceWarning(item_wanted.where, _why_not(item_wanted)))
            continue
        try:
            present = os.path.lexists(item.path)
        except ValueError:  # a NUL in the name
            present = False
        if not present:
            continue
        expected = nix_base32(item.digest)
        if not verify:
            found.append(Located(item_wanted, item.path, "store", False, None, item.recursive))
            continue
        try:
            hashes = item_hashes(item.path, cache, archives=False)
        except SourcesError as error:
            warnings.append(SourceWarning(item_wanted.where,
                                          f"store item cannot be read: {error}"))
            continue
        actual = hashes.get("nar" if item.recursive else "sha256")
        if actual is None:
            warnings.append(SourceWarning(
                item_wanted.where, f"store item {item.path} is not a "
                f"{'file or directory' if item.recursive else 'regular file'}"))
        elif actual != expected:
            warnings.append(SourceWarning(
                item_wanted.where, f"store item {item.path} has sha256 {actual}, "
                f"the origin declares {expected}", "hash-mismatch"))
        else:
            found.append(Located(item_wanted, item.path, "store", True, actual, item.recursive))
    return found, warnings
