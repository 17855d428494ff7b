"""Work shared among forked processes: this one does the first share, workers the others.

Linking (:mod:`guixml.index.link`), the classifier's text prefetch
(:func:`guixml.api.classify_packages`) and any such step need the whole
channel index to do any share of their work.  A worker
forked once the index is built sees it as it is (its pages shared with this
process until written), so nothing but the results has to be serialized: each
worker sends back the bytes its task returns.

A worker that fails, dies or does not answer in time gives ``None`` for its
share; the caller does that share itself.  Nothing here ever waits forever.
"""

from __future__ import annotations

from typing import Callable, TypeVar

__all__ = ["run_shares", "WORKER_TIMEOUT"]

T = TypeVar("T")

#: Seconds to wait for one worker's share before doing it here instead.
WORKER_TIMEOUT = 600

#: The task forked workers run, set just before they are forked.
_TASK: list[Callable[[int], bytes]] = []


def run_shares(task: Callable[[int], bytes], count: int, here: Callable[[], T],
               timeout: float = WORKER_TIMEOUT) -> tuple[T, list[bytes | None]]:
    """``HERE()`` in this process while forked workers run ``TASK(k)`` for the
    shares k = 1 … COUNT-1.  Returns HERE's result and, for each of those
    shares, the bytes TASK returned, or None where the worker failed."""
    if count < 2:
        return here(), []
    import multiprocessing
    from guixml.index.cache import flush_writes
    flush_writes()  # no thread of ours may hold a lock across the fork
    _TASK[:] = [task]
    try:
        pool = multiprocessing.get_context("fork").Pool(count - 1)
    except (OSError, ValueError):  # no processes left, or no fork on this system
        _TASK.clear()
        return here(), [None] * (count - 1)
    try:
        pending = [pool.apply_async(_run, (k,)) for k in range(1, count)]
        result = here()
        shares: list[bytes | None] = []
        for job in pending:
            try:
                shares.append(job.get(timeout))
            except Exception:  # failed, died or timed out: the caller does it
                shares.append(None)
        return result, shares
    finally:
        pool.terminate()
        _TASK.clear()


def _run(k: int) -> bytes:
    return _TASK[0](k)
