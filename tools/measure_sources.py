#!/usr/bin/env python3
"""Measure deep audits: the classifier on hand labels with and without the real sources.

Usage:
    GUIX_SOURCE=/path/to/guix python3 tools/measure_sources.py [TREE] --sources DIR [DIR…]
        [--labels CSV] [--store DIR] [--fetch] [--cache-dir DIR] [--list]

Classifies the labelled packages of TREE from their definitions, then again
with their sources sought (``--sources``, ``--store``, ``--fetch``) and
inspected, and prints for each: weights precision and recall (role != none)
and role accuracy among true positives; how many labelled packages had a
source located and how many of those were hash-verified; and every package
whose role the sources changed, with the evidence.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guixml.classify import AuditResult, SourceOptions, deepen, load_rules  # noqa: E402
from guixml.classify.classifier import classify_channel  # noqa: E402
from guixml.index.channel import load_channel  # noqa: E402

LABEL_ROLES = {"is-weights": "model", "separate-input": "separate", "bundled": "tangled",
               "needs-external": "external", "none": "none"}


def scores(rows, by_key) -> tuple[float, float, float, str]:
    tp = fp = fn = tn = ok = 0
    for row in rows:
        audit = by_key.get((row["module"], row["variable"]))
        if audit is None:
            continue
        truth, got = LABEL_ROLES[row["weights"]], audit.weights
        if truth != "none" and got != "none":
            tp += 1
            ok += truth == got
        elif got != "none":
            fp += 1
        elif truth != "none":
            fn += 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    accuracy = ok / tp if tp else 0.0
    return precision, recall, accuracy, f"tp {tp}, fp {fp}, fn {fn}, tn {tn}, roles right {ok}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--labels", type=Path,
                        default=Path(os.environ.get("GUIXML_LABELS")
                                     or ROOT.parent / "shared" / "data" / "labels-dev.csv"))
    parser.add_argument("--sources", nargs="+", default=[], metavar="DIR")
    parser.add_argument("--store", default=None)
    parser.add_argument("--fetch", action="store_true")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--list", action="store_true", help="print every labelled package")
    args = parser.parse_args(argv)
    if not args.tree:
        parser.error("give a Guix tree or set GUIX_SOURCE")
    with open(args.labels, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    wanted = {(row["module"], row["variable"]) for row in rows}
    index = load_channel([args.tree])
    result = classify_channel(index, load_rules([]))
    labelled = tuple(a for a in result.packages
                     if (a.package.file.rsplit("/", 1)[-1], a.package.variable) in wanted)
    before = {(a.package.file.rsplit("/", 1)[-1], a.package.variable): a for a in labelled}
    options = SourceOptions(store=args.store, dirs=tuple(args.sources), fetch=args.fetch,
                            cache_dir=args.cache_dir)
    files = {relative: f.root for relative, f in getattr(index, "files", {}).items()}
    timings = []
    for _ in range(2):  # the second run is served by the hash and content caches
        started = time.perf_counter()
        deep = deepen(AuditResult(labelled), options, files=files)
        timings.append(time.perf_counter() - started)
    after = {(a.package.file.rsplit("/", 1)[-1], a.package.variable): a for a in deep.packages}
    located = [a for a in deep.packages if a.inspected]
    verified = [a for a in located if any(r.verified for r in a.sources if r.how)]
    print(f"labels: {len(rows)} rows, {len(labelled)} packages found in the tree")
    print(f"sources located for {len(located)} packages, hash-verified for {len(verified)}")
    print(f"deep pass: {timings[0]:.2f} s first, {timings[1]:.2f} s again "
          f"(ratio {timings[1] / timings[0] if timings[0] else 0:.3f})")
    for name, table in (("definitions only", before), ("with sources", after)):
        precision, recall, accuracy, counts = scores(rows, table)
        print(f"{name:17} precision {precision:.3f}  recall {recall:.3f}  "
              f"role accuracy {accuracy:.3f}  ({counts})")
    inspected_rows = [row for row in rows
                      if after.get((row["module"], row["variable"])) is not None
                      and after[(row["module"], row["variable"])].inspected]
    for name, table in (("located, defs", before), ("located, sources", after)):
        precision, recall, accuracy, counts = scores(inspected_rows, table)
        print(f"{name:17} precision {precision:.3f}  recall {recall:.3f}  "
              f"role accuracy {accuracy:.3f}  ({counts})")
    print("changed by the sources:")
    for row in rows:
        key = (row["module"], row["variable"])
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            continue
        if old.weights != new.weights or args.list:
            found = [e for e in new.evidence if e.rule.startswith("source-")]
            print(f"  {key[0]}:{key[1]}: label {LABEL_ROLES[row['weights']]}, "
                  f"{old.weights} -> {new.weights}"
                  f"{'' if new.inspected else ' (no source)'}  "
                  + "; ".join(f"{e.rule}: {e.matched[:80]}" for e in found[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
