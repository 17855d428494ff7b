"""Stage 3, a whole channel: its modules, packages and references, and the caches.

Takes: paths of channel trees (and of the Guix tree they build on).
Gives: a :class:`ChannelIndex` (``channel``): every module's summary, read in
worker processes (``forking``), references resolved through each module's
imports, and every package linked into a compact packed form (``link``,
``packed``) decoded to model :class:`~guixml.evaluate.Package` values on
demand; summaries and the linked channel are cached by content (``cache``).
``collector`` pauses Python's garbage collector around allocation-heavy work.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.index.cache import RACY_NS, cache_directory, file_stamp, open_cache, \
    remove_stale_temporaries, stamp_of
from guixml.index.channel import ChannelIndex, library_stamp, load_channel
from guixml.index.collector import gc_paused
from guixml.index.forking import run_shares
from guixml.index.link import origin_model
from guixml.index.packed import PackedPackages, package_head
from guixml.index.progress import reporting
from guixml.index.sealed import decode_verified, private_directory, seal, unseal, warn_once

__all__ = ["cache_directory", "file_stamp", "open_cache", "ChannelIndex", "library_stamp",
           "load_channel", "gc_paused", "run_shares", "origin_model", "PackedPackages",
           "package_head", "RACY_NS", "stamp_of", "remove_stale_temporaries", "decode_verified",
           "private_directory", "seal", "unseal", "warn_once", "reporting"]
