#!/usr/bin/env python3
"""Measure guixml's static package model against what Guix itself evaluates.

Usage::

    GUIX_SOURCE=path/to/guix-checkout python3 tools/measure_packages.py \
        [--truth ../shared/data/guix-packages.jsonl.gz] [--show N] [--no-cache]

The truth file (default: ``../shared/data/guix-packages.jsonl.gz`` relative to
the repository root, or ``$GUIXML_TRUTH``) holds one JSON object per public
package binding, produced by loading the modules in Guile.  Only bindings of
modules present in the tree are compared.  Prints three figures:

* name+version: bindings whose name and version are identical;
* source: bindings whose source URIs (and git commit) are identical;
* inputs: bindings whose three input lists name the same packages (by name
  and version) or origins (by URIs), with the same labels and outputs, in order.

Bindings that take inputs from the modules missing from the snapshot
(``tex.scm``, ``rust-crates.scm``: placeholders in the truth) are counted
but listed separately.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guixml.index.channel import load_channel  # noqa: E402

FIELDS = ("inputs", "native_inputs", "propagated_inputs")


def truth_path(given: str | None) -> Path:
    if given:
        return Path(given)
    env = os.environ.get("GUIXML_TRUTH")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "data" / "guix-packages.jsonl.gz"


def input_key(entry: dict) -> tuple:
    if entry["kind"] == "package":
        return (entry["label"], "package", entry.get("name"), entry.get("version"),
                entry.get("output", "out"))
    if entry["kind"] == "origin":
        return (entry["label"], "origin", tuple(entry.get("uris") or ()))
    return (entry["label"], "other")


def model_input_key(item) -> tuple:
    if item.kind == "package":
        return (item.label, "package", item.name, item.version, item.output)
    if item.kind == "origin":
        return (item.label, "origin", tuple(item.origin.uris) if item.origin else ())
    return (item.label, "other")


# Guile prints the non-git references of the truth as records:
# #<<svn-reference> url: "U" revision: 7333 recursive?: #f …>; guixml keeps the
# URL among the URIs and the revision (changeset, check-in) as the commit.
_RECORD = re.compile(r'^#<<(?:svn|hg|bzr|fossil)-reference> \S+: "([^"]*)" \S+: ("[^"]*"|\S+)')


def source_key(source) -> tuple:
    if not source:
        return ()
    if isinstance(source, dict):
        uris = tuple(source.get("uris") or ())
        m = _RECORD.match(uris[0]) if len(uris) == 1 else None
        if m:
            return ((m.group(1),), m.group(2).strip('"'))
        return (uris, source.get("commit"))
    return (tuple(source.uris), source.commit)


def _depends_on_missing_modules(entry: dict, package) -> bool:
    """Whether the truth's inputs hold placeholders for the modules missing from the tree.

    TeX Live packages became placeholders named texlive-… at version "0";
    ``cargo-inputs`` (of rust-crates.scm) returned nothing.
    """
    for field in FIELDS:
        for item in entry[field]:
            if (item.get("name") or "").startswith("texlive") and item.get("version") == "0":
                return True
    return any("cargo-inputs" in u.text for u in package.unresolved
               if u.field.replace("-", "_") in FIELDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--truth")
    parser.add_argument("--show", type=int, default=0, help="print N mismatches per figure")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    if not args.tree:
        parser.error("give the Guix tree as argument or in GUIX_SOURCE")
    truth_file = truth_path(args.truth)
    with gzip.open(truth_file, "rt", encoding="utf-8") as f:
        truth = [json.loads(line) for line in f]

    start = time.perf_counter()
    index = load_channel([args.tree], use_cache=not args.no_cache)
    packages = index.packages()
    elapsed = time.perf_counter() - start
    ours = {(p.module, p.variable): p for p in packages}
    present = {s.file for s in index.summaries.values()}

    compared = 0
    skipped_inputs = 0
    same = Counter()
    missing: list[str] = []
    mismatches: dict[str, list[str]] = {"name+version": [], "source": [], "inputs": []}
    for entry in truth:
        if entry["file"] not in present and not entry["file"].startswith("guix/"):
            continue
        if entry["module"] not in index.summaries:
            continue
        compared += 1
        p = ours.get((entry["module"], entry["variable"]))
        key = f"{entry['module']} {entry['variable']}"
        if p is None:
            missing.append(key)
            for figure in mismatches:
                mismatches[figure].append(f"{key}: not found")
            continue
        if (p.name, p.version) == (entry["name"], entry["version"]):
            same["name+version"] += 1
        else:
            mismatches["name+version"].append(
                f"{key}: {p.name} {p.version} != {entry['name']} {entry['version']}")
        if source_key(p.source) == source_key(entry["source"]):
            same["source"] += 1
        else:
            mismatches["source"].append(
                f"{key}: {source_key(p.source)} != {source_key(entry['source'])}")
        if _depends_on_missing_modules(entry, p):
            skipped_inputs += 1
            continue
        ok = True
        for field in FIELDS:
            theirs = [input_key(e) for e in entry[field]]
            mine = [model_input_key(i) for i in getattr(p, field)]
            if theirs != mine:
                ok = False
                diff = next((f"{a} != {b}" for a, b in zip(mine, theirs) if a != b),
                            f"{len(mine)} items != {len(theirs)}")
                mismatches["inputs"].append(f"{key} {field}: {diff}")
                break
        if ok:
            same["inputs"] += 1

    print(f"tree: {args.tree}")
    print(f"public package bindings compared: {compared} (guixml found {len(packages)}, "
          f"{len(missing)} of the compared not found)")
    print(f"input lists not compared (they take inputs from tex.scm or rust-crates.scm, "
          f"missing from the snapshot): {skipped_inputs}")
    for figure, target in (("name+version", 99.5), ("source", 99.0), ("inputs", 98.0)):
        base = compared - skipped_inputs if figure == "inputs" else compared
        pct = 100.0 * same[figure] / base if base else 0.0
        status = "ok" if pct >= target else "BELOW TARGET"
        print(f"{figure:>13}: {same[figure]}/{base} = {pct:.2f}% "
              f"(target {target}%: {status})")
    print(f"index time: {elapsed:.2f} s ({'cache off' if args.no_cache else 'cache on'})")
    if args.show:
        for figure, lines in mismatches.items():
            print(f"\n-- {figure} mismatches ({len(lines)}):")
            for line in lines[:args.show]:
                print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
