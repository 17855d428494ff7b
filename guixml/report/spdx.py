"""``guixml audit --format spdx``: SPDX 3.0.1 JSON-LD with the AI and Dataset
profiles.

Each listed package is a ``software_Package`` (an ``ai_AIPackage`` when its
payload is weights, role ``model``); the weights a package involves are
``ai_AIPackage`` elements linked to it: ``dependsOn`` for separate inputs (an
inline origin becomes its own AIPackage), ``contains`` for weights tangled in
its source.  The weights' licence is a ``hasDeclaredLicense`` relationship to
a ``simplelicensing_LicenseExpression``.  Training data is described with a
``dataset_DatasetPackage`` and ``trainedOn`` only where the annotation names
its URL: guixml never invents a dataset.

The ``created`` time is the current time, or ``SOURCE_DATE_EPOCH`` when set,
so reproducible pipelines get byte-identical documents.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from urllib.parse import quote

from guixml.version import __version__
from guixml.report.base import AuditReport, PackageReport, weight_files, weight_inputs

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
CREATION_INFO = "_:creationinfo"

#: ml-training-data facts → SPDX dataset availability (what a user must do).
DATASET_AVAILABILITY = {
    "free": "directDownload",
    "public": "directDownload",
    "obtainable": "registration",
}


def created_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class _Graph:
    """The elements of the document, with IRIs under one namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.elements: list[dict] = []
        self.ids: set[str] = set()

    def iri(self, kind: str, name: str) -> str:
        return f"{self.namespace}{kind}/{quote(name, safe='')}"

    def add(self, element: dict) -> str:
        element.setdefault("creationInfo", CREATION_INFO)
        if element["spdxId"] not in self.ids:
            self.ids.add(element["spdxId"])
            self.elements.append(element)
        return element["spdxId"]

    def relate(self, source: str, kind: str, targets: list[str], comment: str = "") -> None:
        name = f"{source.rsplit('/', 1)[-1]}-{kind}-{len(self.elements)}"
        element = {"type": "Relationship", "spdxId": self.iri("relationship", name),
                   "from": source, "relationshipType": kind, "to": targets}
        if comment:
            element["comment"] = comment
        self.add(element)

    def license(self, source: str, expression: str) -> None:
        license_id = self.add({
            "type": "simplelicensing_LicenseExpression",
            "spdxId": self.iri("license", expression),
            "simplelicensing_licenseExpression": expression,
        })
        self.relate(source, "hasDeclaredLicense", [license_id])


def _package_key(entry: PackageReport) -> str:
    package = entry.package
    return f"{package.module} {package.variable or package.name}"


def _facts(entry: PackageReport) -> dict:
    return {key: value for key, value in entry.suggestion}


def _download(package) -> str | None:
    if package.source and package.source.uris:
        return package.source.uris[0]
    return None


def _package_element(graph: _Graph, entry: PackageReport) -> str:
    audit = entry.audit
    package = audit.package
    is_model = audit.weights == "model"
    element = {
        "type": "ai_AIPackage" if is_model else "software_Package",
        "spdxId": graph.iri("package", _package_key(entry)),
        "name": package.name or package.variable or "?",
        "software_primaryPurpose": "model" if is_model else "application",
    }
    if package.version:
        element["software_packageVersion"] = package.version
    if package.synopsis:
        element["summary"] = package.synopsis
    if package.home_page:
        element["software_homePage"] = package.home_page
    download = _download(package)
    if download:
        element["software_downloadLocation"] = download
    notes = [f"Guix package {package.variable} of module {package.module}, {entry.file}"]
    if audit.weights == "external":
        notes.append("inference code needing weights that Guix does not provide")
    if audit.training_software:
        notes.append("can train ML models")
        element["software_additionalPurpose"] = ["framework"] if not is_model else []
        if not element["software_additionalPurpose"]:
            del element["software_additionalPurpose"]
    element["comment"] = "; ".join(notes) + "."
    if is_model:
        _describe_training(graph, element, entry)
    return graph.add(element)


def _describe_training(graph: _Graph, element: dict, entry: PackageReport) -> None:
    """Training facts of the annotation, on an AIPackage, and the dataset where
    its URL is known."""
    facts = _facts(entry)
    software = facts.get("ml-training-software")
    where = facts.get("ml-training-software-package") or facts.get("ml-training-software-url")
    if software:
        text = f"training software: {software}" + (f" ({where})" if where else "")
        text += f"; training data: {facts.get('ml-training-data', 'unknown')}"
        text += f"; reproducibility: {facts.get('ml-reproducibility', 'unknown')}"
        element["ai_informationAboutTraining"] = text
    data_url = facts.get("ml-training-data-url")
    if isinstance(data_url, str) and data_url:
        dataset = {
            "type": "dataset_DatasetPackage",
            "spdxId": graph.iri("dataset", data_url),
            "name": f"training data of {element['name']}",
            "software_downloadLocation": data_url,
            "software_primaryPurpose": "data",
            "dataset_datasetType": ["noAssertion"],
        }
        availability = DATASET_AVAILABILITY.get(str(facts.get("ml-training-data")))
        if availability:
            dataset["dataset_datasetAvailability"] = availability
        dataset_id = graph.add(dataset)
        graph.relate(element["spdxId"], "trainedOn", [dataset_id])


def _weight_elements(graph: _Graph, entry: PackageReport, by_ref: dict[str, str]) -> None:
    audit = entry.audit
    package = audit.package
    source_id = graph.iri("package", _package_key(entry))
    if audit.weights == "separate":
        targets = []
        for verdict, target, name in weight_inputs(entry, by_ref):
            if target is not None:
                targets.append(target)
                continue
            weights = {
                "type": "ai_AIPackage",
                "spdxId": graph.iri("weights", f"{_package_key(entry)} {name}"),
                "name": name,
                "software_primaryPurpose": "model",
                "comment": f"Weights input ({verdict.field}) of Guix package {package.name}.",
            }
            uri = _input_uri(package, verdict)
            if uri:
                weights["software_downloadLocation"] = uri
            targets.append(graph.add(weights))
            if audit.weights_license:
                graph.license(weights["spdxId"], audit.weights_license)
        if targets:
            graph.relate(source_id, "dependsOn", targets, "weights taken as separate inputs")
    elif audit.weights == "tangled":
        weights = {
            "type": "ai_AIPackage",
            "spdxId": graph.iri("weights", f"{_package_key(entry)} tangled"),
            "name": f"weights in the source of {package.name}",
            "software_primaryPurpose": "model",
        }
        download = _download(package)
        if download:
            weights["software_downloadLocation"] = download
        graph.add(weights)
        graph.relate(source_id, "contains", [weights["spdxId"]],
                     "weights inside the package's own source")
        if audit.weights_license:
            graph.license(weights["spdxId"], audit.weights_license)
    elif audit.weights == "model" and audit.weights_license:
        graph.license(source_id, audit.weights_license)
    _weight_files(graph, entry, source_id)


def _weight_files(graph: _Graph, entry: PackageReport, source_id: str) -> None:
    """The weight files inspecting the package's sources found, with their sha256."""
    targets = []
    for record, finding in weight_files(entry):
        where = "its source" if record.input is None else f"its input {record.input}"
        element: dict = {
            "type": "software_File",
            "spdxId": graph.iri("file", f"{_package_key(entry)} {record.input or 'source'} "
                                        f"{finding.path}"),
            "name": finding.path,
            "software_primaryPurpose": "model",
            "comment": f"{finding.format} weights ({finding.size} bytes) found in {where}"
                       + ("; a pickle-based format: loading it runs code"
                          + (f" (imports {', '.join(finding.imports)})" if finding.imports
                             else "") if finding.unsafe else ""),
        }
        if finding.sha256:
            element["verifiedUsing"] = [{"type": "Hash", "algorithm": "sha256",
                                         "hashValue": finding.sha256}]
        targets.append(graph.add(element))
    if targets:
        graph.relate(source_id, "contains", targets, "weight files found in the sources")


def _input_uri(package, verdict) -> str | None:
    for item in package.all_inputs():
        if item.field == verdict.field and item.label == verdict.label and item.origin:
            return item.origin.uris[0] if item.origin.uris else None
    return None


def document(report: AuditReport, all_packages: bool = False) -> dict:
    entries = report.selected(all_packages)
    seed = "\n".join(sorted(_package_key(e) for e in entries)) + "\n" + "\n".join(report.roots)
    namespace = f"https://spdx.org/spdxdocs/guixml-{uuid.uuid5(uuid.NAMESPACE_URL, seed)}/"
    graph = _Graph(namespace)
    agent = graph.add({"type": "SoftwareAgent", "spdxId": graph.iri("agent", "guixml"),
                       "name": "guixml"})
    tool = graph.add({"type": "Tool", "spdxId": graph.iri("tool", f"guixml-{__version__}"),
                      "name": f"guixml {__version__}"})
    by_ref: dict[str, str] = {}
    package_ids = []
    for entry in entries:
        package_id = _package_element(graph, entry)
        package_ids.append(package_id)
        if entry.package.variable:
            by_ref[entry.package.variable] = package_id
    for entry in entries:
        _weight_elements(graph, entry, by_ref)
    sbom = {
        "type": "software_Sbom",
        "spdxId": graph.iri("sbom", "audit"),
        "name": "guixml audit",
        "software_sbomType": ["source"],
        "profileConformance": ["core", "software", "ai", "dataset", "simpleLicensing"],
        "rootElement": package_ids or [agent],
        "element": [e["spdxId"] for e in graph.elements] or [agent],
    }
    graph.add(sbom)
    spdx_document = {
        "type": "SpdxDocument",
        "spdxId": graph.iri("document", "audit"),
        "name": f"guixml audit of {', '.join(report.roots) or 'a channel'}",
        "profileConformance": ["core", "software", "ai", "dataset", "simpleLicensing"],
        "rootElement": [sbom["spdxId"]],
        "element": [e["spdxId"] for e in graph.elements],
    }
    graph.add(spdx_document)
    creation = {"type": "CreationInfo", "@id": CREATION_INFO, "specVersion": "3.0.1",
                "created": created_time(), "createdBy": [agent], "createdUsing": [tool]}
    return {"@context": CONTEXT, "@graph": [creation, *graph.elements]}


def render(report: AuditReport, *, all_packages: bool = False, color: bool = False) -> str:
    return json.dumps(document(report, all_packages), indent=2, ensure_ascii=False) + "\n"
