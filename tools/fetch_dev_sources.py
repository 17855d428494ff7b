#!/usr/bin/env python3
"""Build a development set of real upstream sources for labelled Guix packages.

Not a part of guixml and nothing it writes is committed: it fills a directory
the user names with other people's sources, to measure the sources stage on.

    python tools/fetch_dev_sources.py GUIX_TREE LABELS.csv GUIX-PACKAGES.jsonl.gz OUTDIR \\
        [--routes debian,pypi] [--budget SECONDS] [--max-mb MB]

For each row of LABELS (columns ``module,variable,name,…``, module as
``games.scm``) it finds the package's origin (method, URIs, commit) in the
JSON lines Guix itself produced, and the declared sha256 and file name from
the tree read by guixml's index (the hash is in the definition only).  Then:

- ``pypi``: for an origin whose URI is a ``pypi-uri`` one, the same file from
  the Python package index (the plain URL, else the simple API);
- ``debian``: the Debian source package of the same software (names tried:
  the Guix name, without its ``python-``/``r-``/… prefix, Debian's
  ``r-cran-``/``r-bioc-``/``fonts-``/``golang-`` forms, each looked up with
  ``apt-cache showsrc``), fetched with ``apt-get source --download-only``
  (needs a ``deb-src`` entry).

Each file is checked against the declared hash: the flat sha256 for a flat
origin, the NAR hash of the unpacked top directory (or of the file) for a
recursive one (guixml.sources).  OUTDIR/manifest.json records, per package,
the files, the route, the versions and ``verified`` true or false.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guixml.sources.common import Wanted, declared_digest, nix_base32, wanted_from_package  # noqa: E402
from guixml.sources.hashes import HashCache, item_hashes  # noqa: E402
from guixml.sources.store import method_spec  # noqa: E402

PYPI_PREFIX = "https://files.pythonhosted.org/packages/source/"
PREFIXES = ("python-", "r-", "perl-", "ruby-", "emacs-", "ghc-", "go-", "rust-",
            "sbcl-", "cl-", "ecl-", "font-", "guile-", "ocaml-", "julia-", "node-")
SKIP_FILES = re.compile(r"\.(dsc|debian\.tar\.\w+|diff\.gz|asc)$")


def debian_candidates(name: str) -> list[str]:
    """Debian source or binary names to try for the Guix package NAME."""
    names = [name]
    bare = name
    for prefix in PREFIXES:
        if name.startswith(prefix):
            bare = name[len(prefix):]
            break
    if name.startswith("r-"):
        names += [f"r-cran-{bare}", f"r-bioc-{bare}"]
    elif name.startswith("font-"):
        names += [f"fonts-{bare}"]
    elif name.startswith("go-"):
        names += ["golang-" + bare.replace("github-com-", "github-").replace("-", "-")]
    elif name.startswith("emacs-"):
        names += [f"elpa-{bare}"]
    elif name.startswith(("sbcl-", "ecl-")):
        names += [f"cl-{bare}"]
    names.append(bare)
    stem = re.sub(r"-(cpp|api|engine|runtime|ocr)$", "", bare)
    if stem != bare:
        names.append(stem)
    seen: list[str] = []
    for item in names:
        if item not in seen:
            seen.append(item)
    return seen


def showsrc(name: str) -> list[dict[str, Any]]:
    """The source records apt knows for NAME (as a source name, else a binary
    name), newest first."""
    for args in (["--only-source", name], [name]):
        result = subprocess.run(["apt-cache", "showsrc", *args], capture_output=True,
                                text=True, timeout=60)
        if result.returncode != 0 or not result.stdout.strip():
            continue
        records: list[dict[str, Any]] = []
        for block in result.stdout.strip().split("\n\n"):
            fields: dict[str, Any] = {}
            files: list[tuple[str, int]] = []
            section = None
            for line in block.splitlines():
                if line.startswith(" ") and section == "Files":
                    parts = line.split()
                    if len(parts) == 3:
                        files.append((parts[2], int(parts[1])))
                elif ":" in line and not line.startswith(" "):
                    key, _, value = line.partition(":")
                    section = key
                    fields[key] = value.strip()
            fields["files"] = files
            if "Package" in fields and "Version" in fields and all(
                    (fields["Package"], fields["Version"]) != (r["Package"], r["Version"])
                    for r in records):
                records.append(fields)
        records.sort(key=functools.cmp_to_key(
            lambda a, b: -1 if _newer(a["Version"], b["Version"]) else 1))
        if records:
            return records
    return []


def upstream_version(debian_version: str) -> str:
    """1:2.3+dfsg-4 -> 2.3 (epoch, revision and repack suffix removed)."""
    version = debian_version.split(":", 1)[-1].rsplit("-", 1)[0]
    return re.split(r"[+~](?:dfsg|ds|repack|really)", version)[0]


def _newer(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0


def pypi_route(wanted: Wanted, out: Path, timeout: float, max_bytes: int) -> list[dict[str, Any]]:
    from guixml.sources.fetch import Fetcher
    urls = [uri for uri in wanted.uris if uri.startswith(PYPI_PREFIX)]
    if not urls:
        return []
    fetcher = Fetcher(out / ".cache", timeout=timeout, max_bytes=max_bytes)
    located, warnings = fetcher.fetch([wanted])
    rows: list[dict[str, Any]] = []
    for item in located:
        rows.append({"file": os.path.relpath(item.path, out), "route": "pypi",
                     "hash": item.hash, "verified": item.verified})
    for warning in warnings:
        rows.append({"route": "pypi", "problem": str(warning), "kind": warning.kind,
                     "verified": False})
    return rows


def debian_route(wanted: Wanted, out: Path, cache: HashCache, max_bytes: int,
                 timeout: float) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for candidate in debian_candidates(wanted.package or ""):
        records = showsrc(candidate)
        if records:
            break
    if not records:
        return [{"route": "debian", "problem": "no Debian source package found",
                 "verified": False}]
    # The version Guix packages first, then the newest; a mirror may lack some.
    same = [r for r in records if upstream_version(r["Version"]) == wanted.version]
    problems: list[dict[str, Any]] = []
    for record in (same + [r for r in records if r not in same])[:3]:
        rows = _debian_record(record, wanted, out, cache, max_bytes, timeout)
        if any("file" in row for row in rows):
            return rows
        problems += rows
    return problems


def _debian_record(record: dict[str, Any], wanted: Wanted, out: Path, cache: HashCache,
                   max_bytes: int, timeout: float) -> list[dict[str, Any]]:
    source, version = record["Package"], record["Version"]
    size = sum(size for name, size in record["files"] if not SKIP_FILES.search(name))
    base = {"route": "debian", "debian_source": source, "debian_version": version}
    if size > max_bytes:
        return [{**base, "problem": f"{size} bytes: over the size bound", "verified": False}]
    target = out / "debian" / source
    target.mkdir(parents=True, exist_ok=True)
    wanted_files = [name for name, _ in record["files"] if not SKIP_FILES.search(name)]
    if not all((target / name).exists() for name in wanted_files):
        try:
            result = subprocess.run(["apt-get", "source", "--download-only", "-q",
                                     f"{source}={version}"], cwd=target,
                                    capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return [{**base, "problem": "apt-get source timed out", "verified": False}]
        if result.returncode != 0:
            return [{**base, "problem": result.stderr.strip()[-300:], "verified": False}]
    return [{**base, **check(target / name, wanted, out, cache)} for name in wanted_files
            if (target / name).exists()]


def check(path: Path, wanted: Wanted, out: Path, cache: HashCache) -> dict[str, Any]:
    """PATH's hashes against WANTED's declared one."""
    spec = method_spec(wanted.method)
    digest = declared_digest(wanted)
    warnings: list[Any] = []
    try:
        hashes = item_hashes(path, cache, scratch=out / ".cache" / "unpack", warnings=warnings)
    except Exception as error:  # a tool: report and go on
        return {"file": os.path.relpath(path, out), "problem": str(error), "verified": False}
    declared = nix_base32(digest) if digest else None
    recursive = spec.recursive if spec else None
    if recursive:
        verified = declared in (hashes.get("unpacked"), hashes.get("nar"))
    else:
        verified = declared is not None and declared == hashes.get("sha256")
    row = {"file": os.path.relpath(path, out), "sha256": hashes.get("sha256"),
           "unpacked": hashes.get("unpacked"), "verified": bool(verified)}
    if warnings:
        row["warnings"] = [str(item) for item in warnings[:5]]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree")
    parser.add_argument("labels")
    parser.add_argument("jsonl")
    parser.add_argument("out")
    parser.add_argument("--routes", default="pypi,debian")
    parser.add_argument("--budget", type=float, default=1500.0, help="seconds in all")
    parser.add_argument("--max-mb", type=int, default=400)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    routes = args.routes.split(",")
    max_bytes = args.max_mb << 20

    with open(args.labels, newline="") as stream:
        rows = list(csv.DictReader(stream))
    records: dict[tuple[str, str], dict[str, Any]] = {}
    with gzip.open(args.jsonl, "rt") as stream:
        for line in stream:
            record = json.loads(line)
            records[(record["file"].rsplit("/", 1)[-1], record["variable"])] = record

    from guixml.index import load_channel
    index = load_channel([args.tree])
    cache = HashCache(out / ".cache" / "hashes.json")
    manifest_path = out / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    deadline = time.monotonic() + args.budget
    for row in rows:
        key = f"{row['module']}:{row['variable']}"
        if args.only and row["variable"] not in args.only:
            continue
        if key in manifest and manifest[key].get("verified"):
            continue
        if time.monotonic() > deadline:
            print("time budget spent", file=sys.stderr)
            break
        module = "(gnu packages " + row["module"].removesuffix(".scm") + ")"
        package = index.package(module, row["variable"])
        record = records.get((row["module"], row["variable"]), {})
        entry: dict[str, Any] = {"name": row["name"], "version": record.get("version"),
                                 "weights": row.get("weights"),
                                 "guix_source": record.get("source"), "files": []}
        manifest[key] = entry
        if package is None or package.source is None:
            entry["problem"] = "no package or no source in the tree"
            continue
        wanted = wanted_from_package(package)[0]
        entry["method"] = wanted.method
        entry["declared"] = wanted.sha256
        started = time.monotonic()
        left = max(30.0, deadline - started)
        if "pypi" in routes:
            entry["files"] += pypi_route(wanted, out, min(120.0, left), max_bytes)
        if "debian" in routes and not any(item.get("verified") for item in entry["files"]):
            entry["files"] += debian_route(wanted, out, cache, max_bytes, min(600.0, left))
        entry["located"] = any("file" in item for item in entry["files"])
        entry["verified"] = any(item.get("verified") for item in entry["files"])
        entry["route"] = next((item["route"] for item in entry["files"] if item.get("verified")),
                              next((item["route"] for item in entry["files"] if "file" in item),
                                   None))
        print(f"{key}: located={entry['located']} verified={entry['verified']} "
              f"route={entry['route']} ({time.monotonic() - started:.0f} s)", flush=True)
        cache.save()
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    cache.save()
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    located = sum(1 for item in manifest.values() if item.get("located"))
    verified = sum(1 for item in manifest.values() if item.get("verified"))
    by_route: dict[str, list[int]] = {}
    for item in manifest.values():
        if item.get("route"):
            counts = by_route.setdefault(item["route"], [0, 0])
            counts[0] += 1
            counts[1] += bool(item.get("verified"))
    print(json.dumps({"packages": len(manifest), "located": located, "verified": verified,
                      "by_route (located, verified)": by_route}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
