"""Linking (guixml.index.link): packages as the whole channel sees them, in one
process or shared among forked ones, with the same result either way."""

from __future__ import annotations

from pathlib import Path

from guixml.index.channel import load_channel
from guixml.index.link import _shares, link_packed, link_parallel

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


def fresh_index():
    return load_channel([str(FIXTURE)], use_cache=False, jobs=1)


def test_shares_keep_module_order_and_cover_every_module():
    index = fresh_index()
    modules = index.channel_modules
    shares = _shares(index, modules, 2)
    assert len(shares) == 2
    assert [m for share in shares for m in share] == modules
    assert _shares(index, modules, 1) == [modules]


def test_parallel_linking_gives_what_one_process_gives():
    serial, serial_errors = link_packed(fresh_index(), fresh_index().channel_modules)
    index = fresh_index()
    packed, errors, shares = link_parallel(index, index.channel_modules, 2)
    assert packed == serial
    assert errors == serial_errors
    assert len(shares) == 2 and isinstance(shares[1], bytes)


def test_gensym_names_belong_to_the_definition_that_calls_it():
    # Like Guix's package-mapping: each mapping procedure marks the packages
    # it made with one fresh symbol of its own.
    index = fresh_index()
    keys = {v: index.package("(demo marks)", v).properties[0][0]
            for v in ("liba-marked", "libb-marked", "liba-marked-again")}
    assert keys["liba-marked"] == " demo-mark1@mark-one (demo marks)"
    assert keys["liba-marked-again"] == keys["liba-marked"]
    assert keys["libb-marked"] == " demo-mark1@mark-two (demo marks)"


def test_gensym_names_do_not_depend_on_what_was_linked_before():
    alone = fresh_index()
    first, _ = link_packed(alone, ["(demo marks)"])
    after = fresh_index()
    link_packed(after, [m for m in after.channel_modules if m != "(demo marks)"])
    again, _ = link_packed(after, ["(demo marks)"])
    assert first == again


def test_guixml_limits_are_named_as_such_in_problems():
    from guixml.evaluate.values import EvalFailure
    from guixml.index.link import _describe
    assert _describe(EvalFailure("unbound-variable", "define in (gnu packages x)")) == (
        "guixml cannot evaluate `define` yet; unbound-variable: define in (gnu packages x)")
    assert _describe(EvalFailure("named-let", "(let loop ((i 0))\n  i)")).startswith(
        "guixml cannot evaluate a named let yet; named-let: (let loop ((i 0)) i)")
    # a kind that may be the code's own fault keeps its plain text
    assert _describe(EvalFailure("not-a-string", "42")) == "not-a-string: 42"
