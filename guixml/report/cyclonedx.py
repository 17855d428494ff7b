"""``guixml audit --format cyclonedx``: CycloneDX 1.7 JSON.

Each listed package is a component (``application``, or
``machine-learning-model`` when its payload is weights); the weights a package
involves are ``machine-learning-model`` components with a ``modelCard``:
separate inline inputs as components the package depends on, weights tangled
in a source as a sub-component.  The ``modelCard`` carries the training facts
of the annotation (software, data, reproducibility) as properties and, where
the annotation names the training data's URL, that dataset.  Weight files
found by inspecting a package's sources (``--store``/``--sources``/``--fetch``)
are ``machine-learning-model`` sub-components named by their path in the
source, with their SHA-256.
"""

from __future__ import annotations

import json
import uuid

from guixml.version import __version__
from guixml.report.base import AuditReport, PackageReport, json_value, weight_files, \
    weight_inputs
from guixml.report.spdx import created_time

SCHEMA = "http://cyclonedx.org/schema/bom-1.7.schema.json"
SPEC_VERSION = "1.7"


def _ref(*parts: str) -> str:
    return "guixml:" + ":".join(part.replace(" ", "/") for part in parts)


def _props(pairs) -> list[dict]:
    out = []
    for name, value in pairs:
        value = json_value(value)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif value is False:
            value = "#f"
        elif value is True:
            value = "#t"
        out.append({"name": name, "value": str(value)})
    return out


def _model_card(entry: PackageReport) -> dict:
    facts = dict(entry.suggestion)
    card: dict = {"properties": _props(
        [(f"guixml:{key}", value) for key, value in entry.suggestion
         if key not in ("ml-weights", "ml-weight-inputs")]
    )}
    data_url = facts.get("ml-training-data-url")
    if isinstance(data_url, str) and data_url:
        card["modelParameters"] = {"datasets": [{
            "type": "dataset",
            "name": f"training data of {entry.package.name}",
            "contents": {"url": data_url},
        }]}
    if not card["properties"]:
        del card["properties"]
    return card


def _component(entry: PackageReport) -> dict:
    audit = entry.audit
    package = audit.package
    is_model = audit.weights == "model"
    component: dict = {
        "type": "machine-learning-model" if is_model else "application",
        "bom-ref": _ref(package.module, package.variable or package.name or "?"),
        "name": package.name or package.variable or "?",
    }
    if package.version:
        component["version"] = package.version
    if package.synopsis:
        component["description"] = package.synopsis
    if is_model and audit.weights_license:
        component["licenses"] = [{"expression": audit.weights_license}]
    references = []
    if package.home_page:
        references.append({"type": "website", "url": package.home_page})
    if package.source and package.source.uris:
        kind = "vcs" if package.source.method == "git-fetch" else "distribution"
        references.append({"type": kind, "url": package.source.uris[0]})
    if references:
        component["externalReferences"] = references
    component["properties"] = _props([
        ("guixml:module", package.module),
        ("guixml:file", entry.file),
        ("guixml:ml-weights", audit.weights),
        ("guixml:training-software", "yes" if audit.training_software else "no"),
        *((f"guixml:verdict:{v.policy}", v.verdict) for v in entry.verdicts
          if audit.weights != "none"),
    ])
    if is_model:
        component["modelCard"] = _model_card(entry)
    if audit.weights == "tangled":
        weights = {
            "type": "machine-learning-model",
            "bom-ref": component["bom-ref"] + ":tangled-weights",
            "name": f"weights in the source of {component['name']}",
            "modelCard": _model_card(entry),
        }
        if audit.weights_license:
            weights["licenses"] = [{"expression": audit.weights_license}]
        component["components"] = [weights]
    files = _weight_file_components(component["bom-ref"], entry)
    if files:
        component.setdefault("components", []).extend(files)
    return component


def _weight_file_components(parent: str, entry: PackageReport) -> list[dict]:
    out = []
    for record, finding in weight_files(entry):
        where = "source" if record.input is None else f"input {record.input}"
        item: dict = {"type": "machine-learning-model",
                      "bom-ref": f"{parent}:file:{record.input or 'source'}:{finding.path}",
                      "name": finding.path}
        if finding.sha256:
            item["hashes"] = [{"alg": "SHA-256", "content": finding.sha256}]
        item["properties"] = _props([
            ("guixml:found-in", where), ("guixml:format", finding.format),
            ("guixml:size", finding.size), ("guixml:source-verified", record.verified),
            *((("guixml:tensors", finding.tensors),) if finding.tensors is not None else ()),
            *((("guixml:unsafe-serialisation", ", ".join(finding.imports) or "pickle"),)
              if finding.unsafe else ()),
        ])
        out.append(item)
    return out


def _separate_weights(entry: PackageReport, by_variable: dict[str, str]) -> tuple[list, list]:
    """The components of ENTRY's inline weight inputs, and the refs it depends on."""
    audit = entry.audit
    package = audit.package
    components, depends = [], []
    for verdict, target, name in weight_inputs(entry, by_variable):
        if target is not None:
            depends.append(target)
            continue
        ref = _ref(package.module, package.variable or package.name or "?", "input", name)
        weights: dict = {"type": "machine-learning-model", "bom-ref": ref, "name": name,
                         "modelCard": _model_card(entry)}
        if audit.weights_license:
            weights["licenses"] = [{"expression": audit.weights_license}]
        for item in package.all_inputs():
            if item.label == verdict.label and item.origin and item.origin.uris:
                weights["externalReferences"] = [
                    {"type": "distribution", "url": item.origin.uris[0]}]
                break
        components.append(weights)
        depends.append(ref)
    return components, depends


def document(report: AuditReport, all_packages: bool = False) -> dict:
    entries = report.selected(all_packages)
    components = [_component(entry) for entry in entries]
    by_variable = {e.package.variable: c["bom-ref"]
                   for e, c in zip(entries, components) if e.package.variable}
    dependencies = []
    extra: list[dict] = []
    for entry, component in zip(entries, components):
        if entry.role != "separate":
            continue
        weights, depends = _separate_weights(entry, by_variable)
        extra.extend(weights)
        if depends:
            dependencies.append({"ref": component["bom-ref"], "dependsOn": depends})
    for component in [*components, *extra]:
        if not any(d["ref"] == component["bom-ref"] for d in dependencies):
            dependencies.append({"ref": component["bom-ref"], "dependsOn": []})
    seed = "\n".join(c["bom-ref"] for c in components) + "\n" + "\n".join(report.roots)
    return {
        "$schema": SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
        "version": 1,
        "metadata": {
            "timestamp": created_time(),
            "tools": {"components": [
                {"type": "application", "name": "guixml", "version": __version__}]},
        },
        "components": components + extra,
        "dependencies": dependencies,
    }


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    return json.dumps(document(report, all_packages), indent=2, ensure_ascii=False) + "\n"
