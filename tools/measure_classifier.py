#!/usr/bin/env python3
"""Measure the classifier on a real Guix tree against hand labels.

Usage:
    GUIX_SOURCE=/path/to/guix python3 tools/measure_classifier.py [TREE] [--labels CSV]
        [--list] [--rules EXTRA.toml ...]

Prints, against the labels (default: ../shared/data/labels-dev.csv beside the
repository, or $GUIXML_LABELS): precision and recall of "weights involved"
(role != none), role accuracy among true positives, training_software F1, every
disagreement with its evidence, and the number of packages flagged across the
whole tree with per-role counts.  --list prints every flagged package with the
evidence a reviewer checks.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guixml.classify.classifier import classify_channel  # noqa: E402
from guixml.index.channel import load_channel  # noqa: E402
from guixml.classify.rules import load_rules  # noqa: E402

#: The labels' `weights` column and the ml-weights roles (labels README).
LABEL_ROLES = {"is-weights": "model", "separate-input": "separate", "bundled": "tangled",
               "needs-external": "external", "none": "none"}


def default_labels() -> Path:
    env = os.environ.get("GUIXML_LABELS")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "data" / "labels-dev.csv"


def evidence_line(audit) -> str:
    parts = []
    for e in audit.evidence[:4]:
        parts.append(f"{e.rule}[{e.field}]: {e.matched[:90]}")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--labels", type=Path, default=default_labels())
    parser.add_argument("--list", action="store_true", help="print every flagged package")
    parser.add_argument("--rules", nargs="*", default=(), help="extra rule files")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    if not args.tree:
        parser.error("give a Guix tree or set GUIX_SOURCE")

    started = time.time()
    index = load_channel([args.tree], jobs=args.jobs)
    result = classify_channel(index, load_rules(args.rules))
    elapsed = time.time() - started
    by_key = {(a.package.file.rsplit("/", 1)[-1], a.package.variable): a
              for a in result.packages}

    tp = fp = fn = tn = role_ok = 0
    ttp = tfp = tfn = 0
    disagreements: list[str] = []
    missing: list[str] = []
    with open(args.labels, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        audit = by_key.get((row["module"], row["variable"]))
        if audit is None:
            missing.append(f"{row['module']}:{row['variable']}")
            continue
        truth, got = LABEL_ROLES[row["weights"]], audit.weights
        if truth != "none" and got != "none":
            tp += 1
            role_ok += truth == got
        elif truth == "none" and got != "none":
            fp += 1
        elif truth != "none":
            fn += 1
        else:
            tn += 1
        if truth != got:
            disagreements.append(f"  role  {row['module']}:{row['variable']}: label {truth}, "
                                 f"got {got}  <- {evidence_line(audit) or 'no evidence'}")
        t_truth = row["training_software"] == "yes"
        t_got = audit.training_software
        ttp += t_truth and t_got
        tfp += (not t_truth) and t_got
        tfn += t_truth and not t_got
        if t_truth != t_got:
            why = [f"{e.rule}: {e.matched[:70]}" for e in audit.evidence
                   if not e.rule.startswith(("origin.", "propagate.model"))][:3]
            disagreements.append(f"  train {row['module']}:{row['variable']}: label "
                                 f"{'yes' if t_truth else 'no'}, got "
                                 f"{'yes' if t_got else 'no'}  <- {'; '.join(why) or 'no evidence'}")

    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    role_accuracy = role_ok / tp if tp else 0.0
    f1 = 2 * ttp / (2 * ttp + tfp + tfn) if ttp else 0.0
    flagged = [a for a in result.packages if a.weights != "none"]
    roles = Counter(a.weights for a in flagged)

    print(f"tree: {len(result.packages)} packages indexed and classified in {elapsed:.1f} s")
    print(f"labels: {len(rows)} rows ({args.labels.name}), {len(missing)} not found")
    print(f"weights involved (role != none): precision {precision:.3f}  recall {recall:.3f}"
          f"  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    print(f"role accuracy among true positives: {role_accuracy:.3f} ({role_ok}/{tp})")
    print(f"training_software: F1 {f1:.3f}  (tp {ttp}, fp {tfp}, fn {tfn})")
    print(f"flagged across the tree: {len(flagged)}  "
          + "  ".join(f"{r}: {roles.get(r, 0)}" for r in ("model", "separate", "tangled",
                                                          "external")))
    print(f"training software across the tree: "
          f"{sum(1 for a in result.packages if a.training_software)}")
    if missing:
        print("not found:", ", ".join(missing))
    print("disagreements:" if disagreements else "disagreements: none")
    for line in disagreements:
        print(line)
    if args.list:
        print("flagged packages:")
        for a in sorted(flagged, key=lambda a: (a.weights, a.package.file, a.package.variable or "")):
            extra = f" inputs={','.join(a.weight_inputs)}" if a.weight_inputs else ""
            print(f"  {a.weights:9} {a.package.file}:{a.package.variable}{extra}  "
                  f"<- {evidence_line(a)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
