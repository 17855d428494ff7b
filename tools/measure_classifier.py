#!/usr/bin/env python3
"""Measure the classifier on a real Guix tree (or a channel beside it) against hand labels.

Usage:
    GUIX_SOURCE=/path/to/guix python3 tools/measure_classifier.py [TREE] [--labels CSV]
        [--channel DIR] [--list] [--rules EXTRA.toml ...]

Two label formats are read (the header decides):
  - Guix labels (labels-dev.csv): module,variable,name,weights,training_software,...
    matched by the file's base name and the variable;
  - channel labels (channel-labels.csv): channel,commit,file,variable,name,weights,...
    matched by the file's path inside the channel and the variable.  Give the
    extracted channel with --channel DIR (rows of other channels are skipped);
    the channel is indexed together with TREE so its references to Guix resolve.

Prints, against the labels (default: ../shared/data/labels-dev.csv beside the
repository, or $GUIXML_LABELS): precision and recall of "weights involved"
(role != none), role accuracy among true positives, training_software F1, the
per-class confusion (labelled role x found role; precision and recall per
role; training yes/no), every disagreement with its evidence, and the number
of packages flagged across the indexed tree with per-role counts.  --list
prints every flagged package with the evidence a reviewer checks.
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
ROLE_ORDER = ("model", "separate", "tangled", "external", "none")


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


def read_labels(path: Path) -> tuple[str, list[dict]]:
    """('guix' or 'channel', the rows) of a label file, by its header."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kind = "channel" if rows and "channel" in rows[0] else "guix"
    return kind, rows


def row_key(kind: str, row: dict) -> tuple[str, ...]:
    if kind == "channel":
        return row["channel"], row["file"], row["variable"]
    return row["module"], row["variable"]


def channel_spec(text: str) -> tuple[str, str]:
    """(owner/name, directory) of a --channel argument."""
    if "=" in text:
        name, _, directory = text.partition("=")
    else:
        directory = text
        name = Path(text.rstrip("/")).name.replace("+", "/", 1)
    return name, str(Path(directory).resolve())


def keyed_audits(kind: str, audits, channels: dict[str, str]) -> tuple[list, dict]:
    """The audits measured (the channels' own, or all) and those keyed like the rows."""
    by_key: dict = {}
    if kind != "channel":
        for a in audits:
            by_key.setdefault(((a.package.file or "").rsplit("/", 1)[-1],
                               a.package.variable), a)
        return list(audits), by_key
    roots = {directory.rstrip("/") + "/": name for name, directory in channels.items()}
    own = []
    for a in audits:
        file = a.package.file or ""
        if not file.startswith("/"):
            # Relative paths: the channel whose directory holds the file.
            for root, name in roots.items():
                if os.path.exists(root + file):
                    file = root + file
                    break
        for root, name in roots.items():
            if file.startswith(root):
                own.append(a)
                by_key.setdefault((name, file[len(root):], a.package.variable), a)
                break
    return own, by_key


def confusion(pairs: list[tuple[str, str]]) -> dict:
    """Per-role precision and recall from (truth, got) pairs."""
    table = Counter(pairs)
    out = {}
    for role in ROLE_ORDER:
        tp = table[(role, role)]
        labelled = sum(n for (t, _), n in table.items() if t == role)
        found = sum(n for (_, g), n in table.items() if g == role)
        out[role] = (tp, labelled, found,
                     tp / found if found else None, tp / labelled if labelled else None)
    return {"table": table, "per_role": out}


def measure(rows: list[dict], kind: str, by_key: dict) -> dict:
    """Every figure of one label set against audits keyed like the rows."""
    tp = fp = fn = tn = role_ok = 0
    ttp = tfp = tfn = ttn = 0
    pairs: list[tuple[str, str]] = []
    disagreements: list[str] = []
    missing: list[str] = []
    for row in rows:
        key = row_key(kind, row)
        audit = by_key.get(key)
        where = ":".join(key[-2:])
        if audit is None:
            missing.append(where)
            continue
        truth, got = LABEL_ROLES[row["weights"]], audit.weights
        pairs.append((truth, got))
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
            disagreements.append(f"  role  {where}: label {truth}, "
                                 f"got {got}  <- {evidence_line(audit) or 'no evidence'}")
        t_truth = row["training_software"] == "yes"
        t_got = audit.training_software
        ttp += t_truth and t_got
        tfp += (not t_truth) and t_got
        tfn += t_truth and not t_got
        ttn += (not t_truth) and not t_got
        if t_truth != t_got:
            why = [f"{e.rule}: {e.matched[:70]}" for e in audit.evidence
                   if not e.rule.startswith(("origin.", "propagate.model"))][:3]
            disagreements.append(f"  train {where}: label "
                                 f"{'yes' if t_truth else 'no'}, got "
                                 f"{'yes' if t_got else 'no'}  <- {'; '.join(why) or 'no evidence'}")
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "role_accuracy": role_ok / tp if tp else 0.0,
        "counts": (tp, fp, fn, tn, role_ok),
        "training": (ttp, tfp, tfn, ttn),
        "training_f1": 2 * ttp / (2 * ttp + tfp + tfn) if ttp else 0.0,
        "confusion": confusion(pairs),
        "disagreements": disagreements,
        "missing": missing,
    }


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def print_figures(name: str, rows: list[dict], figures: dict) -> None:
    tp, fp, fn, tn, role_ok = figures["counts"]
    ttp, tfp, tfn, ttn = figures["training"]
    print(f"labels: {len(rows)} rows ({name}), {len(figures['missing'])} not found")
    print(f"weights involved (role != none): precision {figures['precision']:.3f}  "
          f"recall {figures['recall']:.3f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    print(f"role accuracy among true positives: {figures['role_accuracy']:.3f} ({role_ok}/{tp})")
    print(f"training_software: F1 {figures['training_f1']:.3f}  "
          f"(tp {ttp}, fp {tfp}, fn {tfn}, tn {ttn})")
    conf = figures["confusion"]
    print("confusion (rows: label, columns: found):")
    print("  " + " " * 9 + "".join(f"{r:>9}" for r in ROLE_ORDER)
          + "   precision  recall")
    for role in ROLE_ORDER:
        tp_r, labelled, found, p, r = conf["per_role"][role]
        cells = "".join(f"{conf['table'][(role, g)]:>9}" for g in ROLE_ORDER)
        print(f"  {role:9}{cells}   {_fmt(p):>9}  {_fmt(r):>6}  (labelled {labelled}, found {found})")
    t_p = ttp / (ttp + tfp) if ttp + tfp else None
    t_r = ttp / (ttp + tfn) if ttp + tfn else None
    n_p = ttn / (ttn + tfn) if ttn + tfn else None
    n_r = ttn / (ttn + tfp) if ttn + tfp else None
    print(f"  training yes: precision {_fmt(t_p)}  recall {_fmt(t_r)};  "
          f"no: precision {_fmt(n_p)}  recall {_fmt(n_r)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=os.environ.get("GUIX_SOURCE"))
    parser.add_argument("--labels", type=Path, default=default_labels())
    parser.add_argument("--channel", action="append", default=[], metavar="[OWNER/NAME=]DIR",
                        help="an extracted channel directory, for channel labels (repeat it "
                             "for several: all are indexed together with TREE; without "
                             "OWNER/NAME= the directory's name, OWNER+NAME, says which rows)")
    parser.add_argument("--list", action="store_true", help="print every flagged package")
    parser.add_argument("--rules", nargs="*", default=(), help="extra rule files")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    if not args.tree:
        parser.error("give a Guix tree or set GUIX_SOURCE")

    kind, rows = read_labels(args.labels)
    channels = dict(channel_spec(c) for c in args.channel)
    if kind == "channel":
        if not channels:
            parser.error("channel labels need --channel DIR")
        rows = [r for r in rows if r["channel"] in channels]
    started = time.time()
    index = load_channel([*channels.values(), args.tree], jobs=args.jobs)
    result = classify_channel(index, load_rules(args.rules))
    elapsed = time.time() - started
    audits, by_key = keyed_audits(kind, result.packages, channels)
    figures = measure(rows, kind, by_key)
    channel_root = bool(channels)
    flagged = [a for a in audits if a.weights != "none"]
    roles = Counter(a.weights for a in flagged)

    print(f"tree: {len(result.packages)} packages indexed and classified in {elapsed:.1f} s"
          + (f" ({len(audits)} of the channel)" if channel_root else ""))
    print_figures(args.labels.name, rows, figures)
    print(f"flagged across the {'channel' if channel_root else 'tree'}: {len(flagged)}  "
          + "  ".join(f"{r}: {roles.get(r, 0)}" for r in ("model", "separate", "tangled",
                                                          "external")))
    print(f"training software across the {'channel' if channel_root else 'tree'}: "
          f"{sum(1 for a in audits if a.training_software)}")
    if figures["missing"]:
        print("not found:", ", ".join(figures["missing"]))
    print("disagreements:" if figures["disagreements"] else "disagreements: none")
    for line in figures["disagreements"]:
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
