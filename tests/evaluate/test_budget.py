"""The evaluation budget (guixml.evaluate.budget) and inherit chains that
cannot be followed: each ends its own definition, at its location, fast; the
rest of the channel evaluates as before (issue #15)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from guixml.evaluate import budget
from guixml.index.channel import load_channel
from guixml.index.link import link_packed

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-hostile"


@pytest.fixture(scope="module")
def linked():
    index = load_channel([str(FIXTURE)], use_cache=False, jobs=1)
    start = time.perf_counter()
    packages, errors = link_packed(index, index.channel_modules)
    return {p[2]: p for p in packages}, errors, time.perf_counter() - start


def _error(errors: list[str], variable: str) -> str:
    found = [e for e in errors if f": {variable}: not evaluated" in e]
    assert len(found) == 1, (variable, errors)
    return found[0]


@pytest.mark.parametrize("variable, line, kind", [
    ("cycle-a", 16, "inherit-cycle"), ("cycle-b", 17, "inherit-cycle"),
    ("cycle-self", 18, "inherit-cycle"),
    ("fib-bomb", 20, "budget-exceeded"), ("string-bomb", 21, "budget-exceeded"),
    ("bignum-bomb", 22, "budget-exceeded"), ("list-bomb", 23, "budget-exceeded"),
])
def test_each_hostile_definition_is_its_own_problem(linked, variable, line, kind):
    packages, errors, _ = linked
    assert variable not in packages
    assert _error(errors, variable).startswith(f"demo/hostile.scm:{line}:0: {variable}: "
                                               f"not evaluated ({kind}")


def test_the_others_evaluate_and_it_ends_fast(linked):
    packages, errors, seconds = linked
    assert packages["plain"][4] == "1"
    version = packages["big-number"][4]   # beyond Python's 4,300-digit int-to-text limit
    assert len(version) > 4300 and set(version) == {"7"}
    assert len(errors) == 7
    assert seconds < 60  # generous for a loaded machine: unbounded, it ran for hours


def test_an_inherit_chain_deeper_than_followed_is_a_problem_of_the_deep_end(tmp_path):
    from guixml.evaluate import MAX_DEPTH
    lines = ["(define-module (demo deep) #:use-module (guix packages))",
             '(define-public p0 (package (name "p0") (version "1") (source #f)))']
    for k in range(1, 1001):
        lines.append(f"(define-public p{k} (package (inherit p{k - 1}) (name \"p{k}\")))")
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "deep.scm").write_text("\n".join(lines) + "\n")
    index = load_channel([str(tmp_path)], use_cache=False, jobs=1)
    packages, errors = link_packed(index, index.channel_modules)
    names = {p[2] for p in packages}
    assert names == {f"p{k}" for k in range(MAX_DEPTH)}
    assert len(errors) == 1001 - MAX_DEPTH
    assert all("not evaluated (inheritance-too-deep" in e for e in errors)
    assert errors[0].startswith(f"demo/deep.scm:{MAX_DEPTH + 2}:0: p{MAX_DEPTH}:")


def test_limits_are_one_table_and_the_budget_is_per_definition():
    assert budget.LIMITS.steps > 0 and budget.LIMITS.size > 0
    budget.enter()
    try:
        budget.spend()
        assert budget.steps_used() == 1
        budget.enter()          # a definition needed by the one under evaluation
        assert budget.steps_used() == 0
        budget.leave()
        assert budget.steps_used() == 1
    finally:
        budget.leave()


@pytest.mark.parametrize("name, args", [
    ("make-string", [10 ** 12, "x"]), ("make-list", [10 ** 9]), ("iota", [10 ** 10]),
    ("expt", [3, 10 ** 9]), ("string-append", ["x" * 600_000, "y" * 600_000]),
    ("*", [3 ** 500_000, 3 ** 500_000]),
])
def test_calls_that_would_make_huge_values_are_refused_before(name, args):
    with pytest.raises(budget.BudgetExceeded):
        budget.check_arguments(name, args)


def test_long_literals_are_converted_only_for_arithmetic_within_the_budget(tmp_path):
    """A literal of more than 3,000 digits is read as its digits (BigNumber):
    written back as it is, made an int only when arithmetic needs it, and
    refused there beyond the budget's integer size."""
    fits = "7" * 5000                  # about 16,600 bits
    beyond = "7" * 400_000             # about 1.3 million bits
    lines = ["(define-module (demo big) #:use-module (guix packages))",
             f'(define-public sum (package (name "sum") (source #f)'
             f' (version (number->string (+ 1 {fits})))))',
             f'(define-public kept (package (name "kept") (source #f)'
             f' (version (number->string {beyond}))))',
             f'(define-public too-big (package (name "too-big") (source #f)'
             f' (version (number->string (* 2 {beyond})))))']
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "big.scm").write_text("\n".join(lines) + "\n")
    index = load_channel([str(tmp_path)], use_cache=False, jobs=1)
    packages, errors = link_packed(index, index.channel_modules)
    found = {p[2]: p for p in packages}
    assert found["sum"][4] == "7" * 4999 + "8"
    assert found["kept"][4] == beyond
    assert "too-big" not in found
    assert len(errors) == 1 and errors[0].startswith(
        "demo/big.scm:4:0: too-big: not evaluated (budget-exceeded")
