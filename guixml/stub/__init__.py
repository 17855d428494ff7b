"""Stage 7, stubs: package definitions for weight files.

Takes: a weights file's URL (and optionally the file itself).
Gives: a Guix package definition in Guix style (``generator``) with its
hash (nix-base32 SHA-256, from :mod:`guixml.sources`), install layout by format
(``layout``, ``data/layout.toml``) and suggested ``ml-*`` annotations.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.stub.generator import StubError, StubRequest, make_stub

__all__ = ["StubError", "StubRequest", "make_stub"]
