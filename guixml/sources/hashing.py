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


def nix_base32(digest: bytes) -> str:
    """DIGEST in Guix's nix-base32 notation (52 characters for a sha256)."""
    length = (len(digest) * 8 + 4) // 5
    chars = []
    for n in range(length - 1, -1, -1):
        bit = n * 5
        index, shift = divmod(bit, 8)
        value = digest[index] >> shift
        if index + 1 < len(digest):
            value |= digest[index + 1] << (8 - shift)
        chars.append(NIX_BASE32_ALPHABET[value & 0x1F])
    return "".join(chars)


def nix_base32_decode(text: str) -> bytes:
    """The bytes whose nix-base32 notation is TEXT; ValueError when it is not one."""
    length = len(text) * 5 // 8
    if (length * 8 + 4) // 5 != len(text):
        raise ValueError(f"{text!r} has no valid nix-base32 length")
    out = bytearray(length)
    for n, char in enumerate(reversed(text)):
        digit = NIX_BASE32_ALPHABET.find(char)
        if digit < 0:
            raise ValueError(f"invalid nix-base32 character {char!r} in {text!r}")
        index, shift = divmod(n * 5, 8)
        out[index] |= (digit << shift) & 0xFF
        carry = digit >> (8 - shift)
        if index + 1 < length:
            out[index + 1] |= carry
        elif carry:
            raise ValueError(f"nix-base32 string {text!r} sets bits beyond its length")
    return bytes(out)


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
