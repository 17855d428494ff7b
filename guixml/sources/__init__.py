"""The sources stage: find each package's real upstream source, and check it.

Takes
    the origins of packages, as :class:`~guixml.sources.common.Wanted` values
    (:func:`~guixml.sources.common.wanted_from_package` makes them from a
    :class:`guixml.evaluate.Package`: its ``source`` and every inline origin among
    its inputs): the fetch method, the URIs, the commit, the declared sha256
    (nix-base32), the file name, the package's name and version, and where the
    origin is written (``file:line:column``).

Gives
    :class:`~guixml.sources.common.Located` sources: the path found, how
    (``store``: at the path Guix gives the fixed output; ``sources``: a file,
    directory or unpacked archive of ``--sources DIR…`` whose hash is the
    declared one; ``fetch``: downloaded and checked; ``name``: matched by name
    and version alone), whether it is ``verified`` (its hash computed and equal
    to the declared one), and the hash found; and located
    :class:`~guixml.sources.common.SourceWarning` values, among them the
    ``hash-mismatch`` findings (a file whose hash disagrees is never handed on).
    Nothing raises on bad input: a corrupt archive, a zip bomb, an unreadable
    store item is a warning naming where.

Names other stages may use (all importable from this package)::

    Wanted, Located, SourceWarning, wanted_from_package      # common
    sources_cache_dir                                         # common
    nar_hash                                                  # nar
    fixed_output_path, origin_item, lookup_store              # store
    HashCache, item_hashes                                    # hashes
    locate_sources                                            # locate
    Fetcher, read_mirrors                                     # fetch
    nix_base32, nix_base32_decode, guix_hash                  # hashing (also the stubs')

The modules: :mod:`.nar` (Guix's NAR serialisation and its hash),
:mod:`.archive` (the NAR hash of an archive's unpacked top directory,
computed without unpacking), :mod:`.hashes` (hashes of an item and their
cache), :mod:`.store` (``fixed-output-path`` and store lookup), :mod:`.locate`
(matching ``--sources`` by content), :mod:`.fetch` (``--fetch``), :mod:`.hashing`
(Guix's nix-base32 notation and file hashes, which the stubs use too).
"""

from __future__ import annotations

from guixml.sources.common import Located, SourceWarning, Wanted, sources_cache_dir, \
    wanted_from_package
from guixml.sources.hashes import HashCache, item_hashes
from guixml.sources.hashing import guix_hash, nix_base32, nix_base32_decode
from guixml.sources.nar import nar_hash
from guixml.sources.store import fixed_output_path, lookup_store, origin_item

__all__ = ["Wanted", "Located", "SourceWarning", "wanted_from_package", "nar_hash",
           "fixed_output_path", "origin_item", "lookup_store", "HashCache",
           "item_hashes", "locate_sources", "Fetcher", "read_mirrors", "guix_hash",
           "nix_base32", "nix_base32_decode", "sources_cache_dir"]


def __getattr__(name: str) -> object:
    # locate and fetch load lazily: fetch imports urllib and the reader.
    if name == "locate_sources":
        from guixml.sources.locate import locate_sources
        return locate_sources
    if name in ("Fetcher", "read_mirrors"):
        from guixml.sources import fetch
        return getattr(fetch, name)
    raise AttributeError(name)
