#!/usr/bin/env python3
"""Measure how much of each third-party channel guixml evaluates.

Usage::

    GUIX_SOURCE=path/to/guix-checkout python3 tools/measure_channels.py CHANNEL... \
        [--guix TREE] [--list]

Each CHANNEL (a channel's checkout) is indexed together with the Guix tree
(``--guix``, default ``$GUIX_SOURCE``), so that its references to Guix's
modules resolve, without any cache.  For each channel, one line:

* defined: public definitions of the channel's modules that are packages
  (evaluated), and those of its package modules (named ``(… packages …)``,
  or defining a package) that did not evaluate (maybe packages: counted, so
  that a failure never shrinks the denominator);
* named: packages evaluated with a name and a version, both strings;
* share: named / defined;
* deps: of those not named, how many for want of a module no tree given
  holds (a channel it depends on that is not at hand: see ``--list``; the
  dependencies its ``.guix-channel`` names are indexed with it when a folder
  ``OWNER+NAME`` beside it, or among the channels given, has their name);
* other: definitions of its other modules (services, home, system, build)
  that did not evaluate, not counted as packages;
* unnamed: problems of the channel's files (as ``audit`` reports them; the
  fields a package left unresolved are in ``packages --format jsonl``) that do not say
  "guixml cannot evaluate X yet" nor name a module missing from the trees
  given (a parse error, a fault of the code read, or a guixml limit left
  unnamed: read them with ``--list``).

``--with TREE`` (repeatable) indexes TREE with every channel: the rest of a
Guix checkout (``gnu/services``, ``gnu/home``, ``gnu/system`` …) when
``--guix`` holds only its package modules.  ``--deps DIR`` (repeatable) is a
folder of ``OWNER+NAME`` checkouts where dependencies are also looked for.

``--list`` prints, under each line, every definition not evaluated and every
unnamed problem, with its location.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guixml.index.channel import load_channel  # noqa: E402

NAMED = "guixml cannot evaluate"


def dependencies(channel: str, given: list[str], deps: list[str] = ()) -> list[str]:
    """The channels among GIVEN (and their siblings) that CHANNEL's ``.guix-channel``
    names as dependencies, matched by the last part of their URL against the
    folder's name (``OWNER+NAME`` or ``NAME``)."""
    meta = Path(channel, ".guix-channel")
    if not meta.is_file():
        return []
    text = meta.read_text("utf-8", errors="replace")
    start = text.find("(dependencies")
    if start < 0:
        return []
    wanted = [u.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
              for u in re.findall(r'\(url\s+"([^"]+)"\)', text[start:])]
    candidates = {str(Path(c).resolve()) for c in given}
    for parent in [Path(c).resolve().parent for c in given] + [Path(d).resolve() for d in deps]:
        candidates.update(str(p) for p in parent.iterdir() if p.is_dir())
    found = []
    for name in wanted:
        for c in sorted(candidates):
            if Path(c).name.rsplit("+", 1)[-1] == name and c != str(Path(channel).resolve()):
                found.append(c)
                break
    return found


def _is_package_module(module: str) -> bool:
    """Whether MODULE is, by Guix's naming, a module of packages: ``(… packages …)``."""
    return "packages" in module.strip("()").split()


def measure(channel: str, guix: str | None, given: list[str], extra: list[str] = (),
            deps: list[str] = ()) -> dict:
    root = str(Path(channel).resolve())
    found = dependencies(channel, given, deps)
    paths = [channel] + found + list(extra) + ([guix] if guix else [])
    index = load_channel(paths, use_cache=False)
    # Files are shown relative to their root: the channel's are those found under it.
    mine = {f.relative for f in index.files.values() if str(Path(f.root).resolve()) == root}
    module_of = {s.file: s.name for s in index.summaries.values() if s.file in mine}
    packages = [p for p in index.packages() if p.file in mine]
    defining = {p.module for p in packages}
    not_evaluated: list[str] = []
    elsewhere: list[str] = []
    problems: list[str] = []
    for error in index.errors:
        file = error.split(":", 1)[0]
        if file not in mine:
            continue
        if ": not evaluated (" in error:
            module = module_of.get(file, "")
            if _is_package_module(module) or module in defining:
                not_evaluated.append(error)
            else:
                elsewhere.append(error)
        if NAMED not in error and "(missing-module: " not in error:
            problems.append(error)
    named = [p for p in packages if type(p.name) is str and type(p.version) is str]
    # Left unnamed for a module none of the trees given holds (a channel this
    # one depends on, not at hand): not a limit of guixml.
    missing = [p for p in packages if p not in named
               and any(u.kind == "missing-module" for u in p.unresolved)]
    missing_failed = [e for e in not_evaluated if "(missing-module: " in e]
    defined = len(packages) + len(not_evaluated)
    return {"channel": Path(channel).name, "with": found,
            "defined": defined, "named": len(named),
            "share": len(named) / defined if defined else 1.0,
            "missing": len(missing) + len(missing_failed),
            "not_evaluated": not_evaluated, "elsewhere": elsewhere, "problems": problems,
            "unnamed_names": [f"{p.file}: {p.variable}" for p in packages if p not in named]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("channels", nargs="+")
    parser.add_argument("--guix", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--list", action="store_true", help="print each failure and problem")
    parser.add_argument("--with", dest="extra", action="append", default=[],
                        help="a tree indexed with every channel (the rest of Guix)")
    parser.add_argument("--deps", action="append", default=[],
                        help="a folder of OWNER+NAME checkouts of dependencies")
    args = parser.parse_args(argv)
    if not args.guix:
        parser.error("give the Guix tree with --guix or in GUIX_SOURCE")
    print(f"{'channel':40} {'defined':>7} {'named':>6} {'share':>7} {'deps':>5} "
          f"{'other':>6} {'unnamed':>7}")
    total_defined = total_named = 0
    for channel in args.channels:
        m = measure(channel, args.guix, args.channels, args.extra, args.deps)
        total_defined += m["defined"]
        total_named += m["named"]
        print(f"{m['channel']:40} {m['defined']:7} {m['named']:6} {m['share']:7.1%} "
              f"{m['missing']:5} {len(m['elsewhere']):6} {len(m['problems']):7}", flush=True)
        if args.list:
            for dep in m["with"]:
                print(f"    with: {Path(dep).name}")
            for line in m["not_evaluated"]:
                print(f"    not evaluated: {line}")
            for line in m["elsewhere"]:
                print(f"    other not evaluated: {line}")
            for line in m["unnamed_names"]:
                print(f"    no name or version: {line}")
            for line in m["problems"]:
                print(f"    unnamed: {' '.join(line.split())[:220]}")
    if len(args.channels) > 1:
        share = total_named / total_defined if total_defined else 1.0
        print(f"{'all':40} {total_defined:7} {total_named:6} {share:7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
