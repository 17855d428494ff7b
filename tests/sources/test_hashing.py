"""Guix's nix-base32 sha256 hashes, checked three independent ways."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

from guixml.sources.hashing import (
    NIX_BASE32_ALPHABET,
    guix_hash,
    guix_hash_bytes,
    nix_base32,
    nix_base32_decode,
)

# What `guix hash` prints for an empty file (a pinned, widely published pair).
EMPTY_SHA256_NIX32 = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"


def reference_nix_base32(digest: bytes) -> str:
    """An independent reading of Nix's notation: the digest is one little-endian
    integer, written in base 32 from its most significant quintet down."""
    number = int.from_bytes(digest, "little")
    length = (len(digest) * 8 + 4) // 5
    return "".join(NIX_BASE32_ALPHABET[(number >> (5 * n)) & 31]
                   for n in range(length - 1, -1, -1))


def test_alphabet_omits_e_o_u_t():
    assert len(NIX_BASE32_ALPHABET) == 32
    assert not set("eout") & set(NIX_BASE32_ALPHABET)


def test_empty_file_pinned(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert guix_hash(empty) == EMPTY_SHA256_NIX32
    assert reference_nix_base32(hashlib.sha256(b"").digest()) == EMPTY_SHA256_NIX32


def test_file_hash_matches_reference(tmp_path):
    weights = tmp_path / "net.bin"
    data = bytes(range(256)) * 5000  # > 1 MiB, so several read chunks
    weights.write_bytes(data)
    expected = reference_nix_base32(hashlib.sha256(data).digest())
    assert guix_hash(weights) == expected == guix_hash_bytes(data)
    assert len(expected) == 52


@given(st.binary(max_size=70))
def test_encoding_matches_reference(data):
    assert nix_base32(data) == reference_nix_base32(data)


@given(st.binary(max_size=70))
def test_decode_inverts_encode(data):
    assert nix_base32_decode(nix_base32(data)) == data


@pytest.mark.parametrize("bad", ["e" * 52, "0" * 51, "z" * 52])
def test_decode_rejects_bad_strings(bad):
    with pytest.raises(ValueError):
        nix_base32_decode(bad)


@pytest.mark.guile
@pytest.mark.realtree
def test_agrees_with_guix_base32_module():
    """Guix's own (guix base32) loads in plain Guile: compare on many digests."""
    guix_source = os.environ.get("GUIX_SOURCE")
    if not guix_source:
        pytest.skip("GUIX_SOURCE is not set")
    if not os.path.exists(os.path.join(guix_source, "guix", "base32.scm")):
        pytest.skip("GUIX_SOURCE has no guix/base32.scm")
    guile = shutil.which("guile")
    if not guile:
        pytest.skip("guile is not installed")
    inputs = [b"", b"a", b"hello\n", bytes(range(256))] + [
        bytes([i]) * i for i in range(1, 40)]
    digests = [hashlib.sha256(d).digest() for d in inputs] + inputs[1:12]
    program = """
(use-modules (guix base32) (rnrs bytevectors) (ice-9 rdelim))
(let loop ((line (read-line)))
  (unless (eof-object? line)
    (let ((bytes (map (lambda (i) (string->number (substring line (* 2 i) (+ 2 (* 2 i))) 16))
                      (iota (quotient (string-length line) 2)))))
      (display (bytevector->nix-base32-string (u8-list->bytevector bytes)))
      (newline)
      (loop (read-line)))))
"""
    result = subprocess.run(
        [guile, "--no-auto-compile", "-L", guix_source, "-c", program],
        input="".join(d.hex() + "\n" for d in digests),
        capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.splitlines() == [nix_base32(d) for d in digests]
