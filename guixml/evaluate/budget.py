"""How much work static evaluation may spend on one definition.

Package files are data: a definition may recurse exponentially, double a
string in a loop or square a bignum until memory runs out, and Guile would do
it.  guixml evaluates no more than a *budget* per definition, and a
definition that exceeds it is not evaluated ("budget-exceeded"), at its
location, like any other definition guixml cannot evaluate; the rest goes on.

What is counted, per definition (the evaluation of another definition it
needs is counted for that one, so the verdict does not depend on the order
in which definitions happen to be evaluated, nor on how linking is shared
among processes):

* steps: procedure calls (closures and builtins);
* the size of each value a builtin makes (a string's characters, a list's
  items, an exact integer's bits), checked before the call from its
  arguments where the result could not be smaller than they are, and after;
* the sum of those sizes (the allocation);
* the depth of nested procedure calls (:data:`guixml.evaluate.fields.MAX_DEPTH`,
  which also bounds how many ``inherit`` parents are followed).

All limits are in :data:`LIMITS` (and that one); they are far above
what any definition of the Guix tree needs (``tools/hostile_tree.py`` and the
test of the real tree check that its packages evaluate as before).
"""

from __future__ import annotations

import attrs

__all__ = ["Limits", "LIMITS", "BudgetExceeded", "enter", "leave", "spend", "check_arguments",
           "check_result", "steps_used"]


@attrs.frozen
class Limits:
    #: procedure calls per definition
    steps: int
    #: characters of a string, or items of a list, that one call may make
    size: int
    #: bits of an exact integer that one call may make
    integer_bits: int
    #: characters, items and integer words (32 bits) made in one definition
    allocation: int


#: The most any definition of the Guix tree (August 2026) needs: 1,738 steps,
#: 14,936 units allocated, a value of 1,463 characters; these leave a factor
#: of 25 to 1,000.  A step costs a few microseconds: a definition that spends
#: all its steps ends within a second.
LIMITS = Limits(steps=50_000, size=1_000_000, integer_bits=1_000_000, allocation=16_000_000)

#: Builtins whose result size is given by an argument's value, not its size:
#: name -> the index of that count argument.
COUNT_ARGUMENTS: dict[str, int] = {
    "make-string": 0, "make-list": 0, "iota": 0, "make-vector": 0,
    "string-pad": 1, "string-pad-right": 1,
}


class BudgetExceeded(Exception):
    """The definition under evaluation spent its budget (not an EvalFailure:
    it ends the whole definition, not the one field being evaluated)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# Per definition under evaluation, innermost last: [steps left, allocation left].
_left: list[list[int]] = [[LIMITS.steps, LIMITS.allocation]]


def enter() -> None:
    """Start the budget of a definition (the enclosing one's waits meanwhile)."""
    _left.append([LIMITS.steps, LIMITS.allocation])


def leave() -> None:
    _left.pop()
    if not _left:  # unbalanced: never below the outermost budget
        _left.append([LIMITS.steps, LIMITS.allocation])


def steps_used() -> int:
    """Steps the innermost definition has spent so far (for measurements)."""
    return LIMITS.steps - _left[-1][0]


def spend() -> None:
    """Count one procedure call."""
    budget = _left[-1]
    budget[0] -= 1
    if budget[0] < 0:
        raise BudgetExceeded(f"more than {LIMITS.steps} procedure calls")


def check_arguments(name: str, args: list) -> None:
    """Refuse a call whose result would exceed the limits, before making it."""
    strings = 0
    bits = 0
    for arg in args:
        kind = type(arg)
        if kind is str or kind is list:
            strings += len(arg)
        elif kind is int:
            bits += arg.bit_length()
    # Results are at most as big as the sum of what goes in (concatenations,
    # products), except for the builtins whose size is a count.
    if strings > LIMITS.size or bits > LIMITS.integer_bits:
        raise BudgetExceeded(f"{name}: arguments beyond the size limit")
    index = COUNT_ARGUMENTS.get(name)
    if index is not None and index < len(args):
        count = args[index]
        if type(count) is int and count > LIMITS.size:
            raise BudgetExceeded(f"{name}: a count beyond the size limit")
    if name == "expt" and len(args) == 2 and type(args[0]) is int and type(args[1]) is int:
        if args[1] > 0 and abs(args[0]) > 1 and \
                args[0].bit_length() * args[1] > LIMITS.integer_bits:
            raise BudgetExceeded("expt: a result beyond the size limit")


def check_result(name: str, value) -> None:
    """Count the size of VALUE, which a builtin NAME made, against the limits."""
    kind = type(value)
    if kind is str or kind is list:
        size = len(value)
        if size > LIMITS.size:
            raise BudgetExceeded(f"{name}: a value beyond the size limit")
    elif kind is int:
        bits = value.bit_length()
        if bits > LIMITS.integer_bits:
            raise BudgetExceeded(f"{name}: an integer beyond the size limit")
        size = bits >> 5
    else:
        return
    budget = _left[-1]
    budget[1] -= size
    if budget[1] < 0:
        raise BudgetExceeded(f"more than {LIMITS.allocation} units allocated")
