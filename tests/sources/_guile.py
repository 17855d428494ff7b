"""Guile as the oracle for the sources stage: Guix's own NAR serialisation
(``guix/serialization.scm`` and ``guix/base32.scm`` from ``GUIX_SOURCE``,
with guile-gcrypt), and a store-path computation written here in Scheme."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NAR_SCM = r"""
(use-modules (guix serialization) (gcrypt hash) (guix base32))
(for-each (lambda (file)
            (call-with-values open-sha256-port
              (lambda (port get)
                (write-file file port)
                (force-output port)
                (display (bytevector->nix-base32-string (get)))
                (newline))))
          (cdr (command-line)))
"""

# make-store-path, compressed-hash and fixed-output-path as guix/store.scm
# defines them, written again here; nix-base32 from (guix base32) when
# GUIX_SOURCE is given, else the port below of its algorithm.
STORE_SCM = r"""
(use-modules (rnrs bytevectors) (gcrypt hash) (ice-9 match) (ice-9 rdelim))

(define base32-string
  (if (getenv "USE_GUIX_BASE32")
      (module-ref (resolve-interface '(guix base32)) 'bytevector->nix-base32-string)
      (lambda (bv)
        (let* ((alphabet "0123456789abcdfghijklmnpqrsvwxyz")
               (len (bytevector-length bv))
               (n (quotient (+ (* len 8) 4) 5)))
          (list->string
           (let loop ((i (- n 1)) (acc '()))
             (if (< i 0)
                 (reverse acc)
                 (let* ((b (* i 5)) (j (quotient b 8)) (k (remainder b 8))
                        (lo (ash (bytevector-u8-ref bv j) (- k)))
                        (hi (if (< (+ j 1) len)
                                (ash (bytevector-u8-ref bv (+ j 1)) (- 8 k))
                                0)))
                   (loop (- i 1)
                         (cons (string-ref alphabet (logand (logior lo hi) 31))
                               acc))))))))))

(define (hex bv)
  (apply string-append
         (map (lambda (b) (string-pad (number->string b 16) 2 #\0))
              (bytevector->u8-list bv))))

(define (unhex str)
  (u8-list->bytevector
   (let loop ((i 0) (acc '()))
     (if (>= i (string-length str))
         (reverse acc)
         (loop (+ i 2)
               (cons (string->number (substring str i (+ i 2)) 16) acc))))))

(define (compressed-hash bv size)
  (let ((new (make-bytevector size 0)))
    (let loop ((i 0))
      (if (= i (bytevector-length bv))
          new
          (let ((j (modulo i size)))
            (bytevector-u8-set! new j (logxor (bytevector-u8-ref new j)
                                              (bytevector-u8-ref bv i)))
            (loop (+ i 1)))))))

(define (make-store-path store type hash name)
  (let* ((s (string-append type ":sha256:" (hex hash) ":" store ":" name))
         (h (sha256 (string->utf8 s))))
    (string-append store "/" (base32-string (compressed-hash h 20)) "-" name)))

(define (fixed-output-path store name hash recursive?)
  (if recursive?
      (make-store-path store "source" hash name)
      (make-store-path store "output:out"
                       (sha256 (string->utf8
                                (string-append "fixed:out:sha256:" (hex hash) ":")))
                       name)))

;; Each input line: STORE NAME HEX-HASH r|f
(let loop ((line (read-line)))
  (unless (eof-object? line)
    (match (string-split line #\space)
      ((store name hash mode)
       (display (fixed-output-path store name (unhex hash) (string=? mode "r")))
       (newline)))
    (loop (read-line))))
"""


def guile() -> str:
    program = shutil.which(os.environ.get("GUILE", "guile"))
    if program is None:
        pytest.skip("no Guile")
    return program


def environment() -> dict[str, str]:
    return dict(os.environ, LC_ALL="C.UTF-8", GUILE_AUTO_COMPILE="0")


def guix_source() -> Path:
    root = os.environ.get("GUIX_SOURCE")
    if not root or not (Path(root) / "guix" / "serialization.scm").exists():
        pytest.skip("GUIX_SOURCE is not set to a Guix tree")
    return Path(root)


def guile_nar_hashes(paths: list[str], tmp: Path) -> list[str]:
    """What Guix's write-file hashes PATHS to, in nix-base32."""
    script = tmp / "nar.scm"
    script.write_text(NAR_SCM)
    result = subprocess.run([guile(), "--no-auto-compile", "-L", str(guix_source()),
                             str(script), *paths], env=environment(), capture_output=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return result.stdout.decode().split()


def guile_store_paths(rows: list[tuple[str, str, bytes, bool]], tmp: Path) -> list[str]:
    """Store paths for (store, name, digest, recursive?) rows, computed in Guile."""
    script = tmp / "store.scm"
    script.write_text(STORE_SCM)
    env = environment()
    command = [guile(), "--no-auto-compile"]
    root = os.environ.get("GUIX_SOURCE")
    if root and (Path(root) / "guix" / "base32.scm").exists():
        command += ["-L", root]
        env["USE_GUIX_BASE32"] = "1"
    text = "".join(f"{store} {name} {digest.hex()} {'r' if rec else 'f'}\n"
                   for store, name, digest, rec in rows)
    result = subprocess.run([*command, str(script)], input=text.encode(), env=env,
                            capture_output=True, timeout=300)
    if result.returncode != 0 and b"gcrypt" in result.stderr:
        pytest.skip("Guile has no guile-gcrypt")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return result.stdout.decode().split()
