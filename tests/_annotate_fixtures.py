"""Shared by the annotator tests: the fixture modules, the audits a classifier
would give for them (tests/fixtures/annotate/audits.toml), and Guile as the
oracle that reads annotated text."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from guixml.evaluate.model import LicenseRef, Package
from guixml.classify.results import AuditResult, Evidence, PackageAudit

FIXTURES = Path(__file__).parent / "fixtures" / "annotate"
EXPECTED = FIXTURES / "expected"
READ_WRITE = Path(__file__).parent / "guile" / "read-write.scm"
NAMES = ("insert", "merge", "generated", "inherit", "odd-indent")


def fixture_text(name: str) -> str:
    with open(FIXTURES / f"{name}.scm", encoding="utf-8", newline="") as stream:
        return stream.read()


def audits_for(name: str, file: str | None = None) -> list[PackageAudit]:
    """The audits of fixture NAME's packages, their ``package.file`` set to FILE."""
    with open(FIXTURES / "audits.toml", "rb") as stream:
        table = tomllib.load(stream)[name]
    audits = []
    for key, spec in table.items():
        variable = spec.get("variable", key)
        package = Package(module=f"(fixtures {name})", file=file or f"{name}.scm",
                          variable=variable, name=variable, version="1",
                          generator=spec.get("generator"), inherit=spec.get("inherit"),
                          deprecated=spec.get("deprecated", False),
                          superseded=spec.get("superseded"),
                          licenses=tuple(LicenseRef(f"license:{n}", n)
                                         for n in spec.get("licenses", ())))
        evidence = tuple(Evidence(rule, field, "") for rule, field in spec.get("evidence", ()))
        audits.append(PackageAudit(
            package, weights=spec["weights"], weight_inputs=tuple(spec.get("inputs", ())),
            weights_license=spec.get("license"), evidence=evidence,
            from_properties=spec.get("from_properties", False)))
    return audits


def audit_result(names=NAMES, directory: Path | None = None) -> AuditResult:
    packages = []
    for name in names:
        file = str(directory / f"{name}.scm") if directory else None
        packages.extend(audits_for(name, file))
    return AuditResult(tuple(packages))


def guile_or_skip() -> str:
    guile = shutil.which("guile")
    if guile is None:
        pytest.skip("Guile 3.0 is not installed")
    return guile


def guile_read(*files: str | os.PathLike[str]) -> list[str]:
    """Guile's ``write`` of every top-level datum of FILES, one line each."""
    guile = guile_or_skip()
    completed = subprocess.run(
        [guile, "--no-auto-compile", "-s", str(READ_WRITE), *map(str, files)],
        capture_output=True, text=True, encoding="utf-8",
        env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()
