"""Progress of the long steps of indexing, for whoever draws it.

Reading the modules and linking them take most of a cold run; the CLI draws
a counted bar of them on a terminal (``guixml.cli.audit.ProgressBar``).  The
index reports ``(phase, done, total)`` through the callback that
:func:`reporting` installs for the duration of a call; with none installed
(the library's default) reporting costs a global lookup.  Forked workers
inherit the callback but report nothing: only this process counts.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

__all__ = ["reporting", "report"]

Callback = Callable[[str, int, int], None]

_callback: Callback | None = None


@contextmanager
def reporting(callback: Callback | None) -> Iterator[None]:
    """Report the index's progress to CALLBACK while the block runs."""
    global _callback
    previous, _callback = _callback, callback if callback is not None else _callback
    try:
        yield
    finally:
        _callback = previous


def report(phase: str, done: int, total: int) -> None:
    """Say that DONE of TOTAL items of PHASE are done (nothing when no one listens)."""
    if _callback is not None:
        _callback(phase, done, total)
