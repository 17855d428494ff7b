"""Guix's content hashes: the sha256 of a file written in nix-base32.

Guix writes ``(sha256 (base32 "…"))`` with the alphabet and bit order of Nix
(``guix/base32.scm``, ``bytevector->nix-base32-string``): 32 symbols without
``e``, ``o``, ``u`` and ``t``, and quintets taken from the *end* of the
digest, the least-significant bits of each byte first.  That is neither
RFC 4648 base32 nor its reverse, so no standard library codec fits.
"""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

NIX_BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"

_CHUNK = 1 << 20


_TO_STANDARD = str.maketrans(NIX_BASE32_ALPHABET, "0123456789abcdefghijklmnopqrstuv")
_VALID = frozenset(NIX_BASE32_ALPHABET)


def nix_base32(digest: bytes) -> str:
    """DIGEST in Guix's nix-base32 notation (52 characters for a sha256).

    The n-th symbol from the end holds bits 5n… of DIGEST read as one
    little-endian number, so the notation is that number's base-32 digits,
    most significant first, padded to the length."""
    length = (len(digest) * 8 + 4) // 5
    value = int.from_bytes(digest, "little")
    alphabet = NIX_BASE32_ALPHABET
    return "".join([alphabet[(value >> (5 * n)) & 0x1F] for n in range(length - 1, -1, -1)])


def nix_base32_decode(text: str) -> bytes:
    """The bytes whose nix-base32 notation is TEXT; ValueError when it is not one."""
    length = len(text) * 5 // 8
    if (length * 8 + 4) // 5 != len(text):
        raise ValueError(f"{text!r} has no valid nix-base32 length")
    if not _VALID.issuperset(text):
        bad = next(char for char in text if char not in _VALID)
        raise ValueError(f"invalid nix-base32 character {bad!r} in {text!r}")
    value = int(text.translate(_TO_STANDARD), 32) if text else 0
    if value >> (length * 8):
        raise ValueError(f"nix-base32 string {text!r} sets bits beyond its length")
    return value.to_bytes(length, "little")


def sha256_stream(stream: BinaryIO) -> bytes:
    """The sha256 digest of everything left in STREAM, read in bounded chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.digest()


def file_sha256(path: str | os.PathLike[str]) -> bytes:
    """The sha256 digest of the file at PATH."""
    with open(path, "rb") as stream:
        return sha256_stream(stream)


def guix_hash(path: str | os.PathLike[str]) -> str:
    """What ``guix hash PATH`` prints for a regular file: nix-base32 of its sha256."""
    return nix_base32(file_sha256(path))


def guix_hash_bytes(data: bytes) -> str:
    """The Guix hash of DATA as if it were a file's content."""
    return nix_base32(hashlib.sha256(data).digest())
