"""The options of ``audit`` and ``show`` that look inside the packages' real sources.

``--store DIR`` (default: ``/gnu/store`` when it exists; ``--store ''`` for none),
``--sources DIR…`` (directories of archives and checkouts, matched by content)
and ``--fetch`` (download and verify; off by default).  With none of them,
and no ``/gnu/store``, the audit reads the definitions alone, as before.

``--fetch`` expands ``mirror://`` from the ``%mirrors`` of the audited tree's
own ``guix/download.scm`` (else ``GUIX_SOURCE``'s).  A local mirror of the
Python package index is named by ``GUIXML_PYPI_INDEX`` (its simple API, default
``https://pypi.org/simple/``) and ``GUIXML_PYPI_SOURCE_PREFIX`` (what the
tree's ``pypi-uri`` URLs start with, default
``https://files.pythonhosted.org/packages/source/``).
"""

from __future__ import annotations

import argparse
import os
from typing import Sequence

__all__ = ["add_source_options", "source_options"]


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "sources", "look inside each package's real source (store, directories, downloads)")
    group.add_argument("--store", metavar="DIR", default=None,
                       help="a Guix store to find fixed-output sources in "
                            "(default: /gnu/store when it exists; '' for none)")
    group.add_argument("--sources", action="extend", nargs="+", metavar="DIR", default=[],
                       help="directories of source archives and checkouts, matched by hash "
                            "(by name and version only as an unverified fallback)")
    group.add_argument("--fetch", action="store_true",
                       help="download url-fetch and git-fetch origins, verify their hash and "
                            "keep them in the cache")


def _mirrors(paths: Sequence[str]) -> str | None:
    for root in [*paths, os.environ.get("GUIX_SOURCE") or ""]:
        candidate = os.path.join(root, "guix", "download.scm")
        if root and os.path.isfile(candidate):
            return candidate
    return None


def source_options(args: argparse.Namespace, paths: Sequence[str] = ()):
    """The :class:`guixml.classify.deep.SourceOptions` of ARGS, or None when no
    source is to be sought."""
    from guixml.classify import SourceOptions, default_store
    store = default_store() if args.store is None else (args.store or None)
    options = SourceOptions(store=store, dirs=tuple(args.sources), fetch=args.fetch,
                            mirrors=_mirrors(paths) if args.fetch else None,
                            pypi_index=os.environ.get("GUIXML_PYPI_INDEX") or None,
                            pypi_prefix=os.environ.get("GUIXML_PYPI_SOURCE_PREFIX") or None)
    return options if options.active else None
