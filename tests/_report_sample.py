"""A small audit report built by hand, for the report-format tests.

Package definitions are invented, Guix-style; no stage of the pipeline runs.
"""

from __future__ import annotations

from guixml.scheme.datum import Location, sym
from guixml.evaluate.model import Input, Origin, Package
from guixml.report.base import AuditReport, PackageReport, PolicyVerdict
from guixml.classify.results import AuditResult, Evidence, InputVerdict, PackageAudit, Problem

FILE = "example/packages/chess.scm"
POLICIES = ("guix-2023", "debian", "osaid", "gcd-008")


def _loc(line: int, column: int = 0) -> Location:
    return Location(FILE, line, column)


def _verdicts(verdict: str, *reasons: str) -> tuple[PolicyVerdict, ...]:
    return tuple(PolicyVerdict(policy, verdict, reasons) for policy in POLICIES)


def sample_report() -> AuditReport:
    net_origin = Origin(method="url-fetch", uris=("https://example.org/nets/net-42.pb.gz",))
    model = Package(
        module="(example packages chess)", file=FILE, variable="chess-net-42",
        name="chess-net-42", version="42", location=_loc(10, 2),
        source=net_origin, synopsis="Trained network for a chess engine",
        home_page="https://example.org/nets",
    )
    big = Origin(method="url-fetch", uris=("https://example.org/nn-big.nnue",))
    engine = Package(
        module="(example packages chess)", file=FILE, variable="tinyfish",
        name="tinyfish", version="1.0", location=_loc(30, 2),
        source=Origin(method="git-fetch", uris=("https://example.org/tinyfish.git",),
                      commit="v1.0"),
        inputs=(Input(field="inputs", kind="origin", label="nn-big", origin=big),
                Input(field="inputs", kind="package", ref="zlib", label="zlib")),
    )
    tangled = Package(
        module="(example packages games)", file="example/packages/games.scm",
        variable="backgammon-ai", name="backgammon-ai", version="2.0",
        location=Location("example/packages/games.scm", 5, 2),
    )
    runner = Package(module="(example packages go)", file="example/packages/go.scm",
                     variable="go-zero", name="go-zero", version="0.17",
                     location=Location("example/packages/go.scm", 3, 2))
    framework = Package(module="(example packages ml)", file="example/packages/ml.scm",
                        variable="tiny-torch", name="tiny-torch", version="2.1",
                        location=Location("example/packages/ml.scm", 7, 2))
    font = Package(module="(example packages fonts)", file="example/packages/fonts.scm",
                   variable="font-heavy", name="font-heavy", version="1.0",
                   location=Location("example/packages/fonts.scm", 2, 2),
                   synopsis="Font family in nine weights <&>")
    ev_url = Evidence("weights-url-extension", "source", "net-42.pb.gz", "", _loc(12, 6))
    ev_nnue = Evidence("weights-url-extension", "inputs", "nn-big.nnue", "", _loc(40, 8))
    audits = [
        PackageAudit(model, weights="model", weight_inputs=(), weights_license="GPL-3.0-or-later",
                     weights_license_fsf_libre=True, weights_license_osi_approved=True,
                     inputs=(InputVerdict("source", "origin", None, None, "weights", 0.95,
                                          (ev_url,)),),
                     evidence=(ev_url,)),
        PackageAudit(engine, weights="separate", weight_inputs=("nn-big",),
                     inputs=(InputVerdict("inputs", "origin", None, "nn-big", "weights", 0.9,
                                          (ev_nnue,)),
                             InputVerdict("inputs", "package", "zlib", "zlib", "code", 1.0)),
                     evidence=(ev_nnue,)),
        PackageAudit(tangled, weights="tangled", training_software=True,
                     weights_license="GPL-3.0-or-later",
                     evidence=(Evidence("upstream-fact", "source", "backgammon-ai",
                                        "weights in the tarball"),)),
        PackageAudit(runner, weights="external",
                     evidence=(Evidence("description-phrase", "description",
                                        "does not provide a neural network"),)),
        PackageAudit(framework, training_software=True,
                     evidence=(Evidence("framework-name", "name", "torch"),)),
        PackageAudit(font),
    ]
    suggestions = {
        "chess-net-42": ((("ml-weights", sym("model")), ("ml-weights-license", "GPL-3.0-or-later"),
                          ("ml-training-software", sym("available")),
                          ("ml-training-software-url", "https://example.org/trainer"),
                          ("ml-training-data", sym("free")),
                          ("ml-training-data-url", "https://example.org/games"))),
        "tinyfish": ((("ml-weights", sym("separate")), ("ml-weight-inputs", ["nn-big"]),
                      ("ml-weights-license", False))),
        "backgammon-ai": ((("ml-weights", sym("tangled")),
                           ("ml-weights-license", "GPL-3.0-or-later"))),
        "go-zero": ((("ml-weights", sym("external")),)),
    }
    verdicts = {
        "chess-net-42": _verdicts("accept", "weights-license-free"),
        "tinyfish": _verdicts("review", "weights-license-unknown"),
        "backgammon-ai": (PolicyVerdict("guix-2023", "accept", ("weights-license-free",)),
                          PolicyVerdict("debian", "review", ("training-data-unknown",)),
                          PolicyVerdict("osaid", "review", ()),
                          PolicyVerdict("gcd-008", "reject", ("not-recomputable",))),
    }
    entries = []
    for audit in audits:
        name = audit.package.name
        suggestion = suggestions.get(name, ())
        text = ""
        if suggestion:
            text = "(properties '(" + " ".join(f"({k} . {v})" for k, v in suggestion) + "))"
        entries.append(PackageReport(
            audit=audit, file=audit.package.file, root="example",
            suggestion=suggestion, suggestion_text=text,
            verdicts=verdicts.get(name, _verdicts("accept", "no-weights")),
        ))
    problems = (Problem("unbalanced parenthesis", Location("example/packages/broken.scm", 3, 4)),)
    return AuditReport(packages=tuple(entries), problems=problems, roots=("example",),
                       policy="guix-2023", policies=POLICIES,
                       result=AuditResult(tuple(audits), problems))
