"""Work shared among forked processes (guixml.index.forking)."""

from __future__ import annotations

import os
import time

from guixml.index.forking import run_shares


def test_each_share_runs_in_a_worker_and_the_first_here():
    here = os.getpid()
    result, sent = run_shares(lambda k: f"{k}:{os.getpid() != here}".encode(), 3,
                              lambda: os.getpid())
    assert result == here
    assert sent == [b"1:True", b"2:True"]


def test_a_failing_worker_gives_none_for_its_share():
    def task(k: int) -> bytes:
        if k == 1:
            raise RuntimeError("broken share")
        return b"fine"
    _, sent = run_shares(task, 3, lambda: None)
    assert sent == [None, b"fine"]


def test_a_worker_that_does_not_answer_in_time_gives_none():
    def task(k: int) -> bytes:
        time.sleep(30)
        return b"late"
    start = time.monotonic()
    _, sent = run_shares(task, 2, lambda: None, timeout=0.5)
    assert sent == [None]
    assert time.monotonic() - start < 10  # the sleeping worker was not waited for


def test_one_share_runs_here_only():
    assert run_shares(lambda k: b"never", 1, lambda: "here") == ("here", [])


def test_without_fork_every_share_is_left_to_the_caller(monkeypatch):
    import multiprocessing

    def no_fork(method=None):
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    assert run_shares(lambda k: b"never", 3, lambda: "here") == ("here", [None, None])
