"""Stage 4, classification: code, weights or training software, with evidence.

Takes: a :class:`~guixml.index.ChannelIndex` (or single model packages and a
resolver) and the rules (``rules``: ``data/rules.toml`` and the cited
``data/upstream-facts.toml``).
Gives: one :class:`PackageAudit` per package (``results``): the ``ml-weights``
role, weight inputs, training-software flag, the weights' licence as SPDX
(``licenses`` maps Guix licences to SPDX), and the evidence for each; the
engine is ``classifier``.  ``inspect`` finds weight files by content in a
file, directory or archive; ``content`` inspects a located source (streamed:
weights, run-time model downloads, pickle imports) and ``deep`` locates each
package's sources (``guixml.sources``) and folds their content into the audit.

Other stages may use the names below; everything else is private to the stage.
"""

from guixml.classify.classifier import Classifier, classify_channel, classify_package, index_resolver
from guixml.classify.inspect import Finding, Inspection, inspect_path
from guixml.classify.deep import SourceOptions, deepen, default_store
from guixml.classify.content import ContentFinding, SourceContent, inspect_source
from guixml.classify.licenses import (LicenseMappingError, SpdxAnd, SpdxExpression, SpdxId,
                                      SpdxSyntaxError, guix_variables_for_expression,
                                      parse_spdx)
from guixml.classify.results import (ROLES, AuditResult, Evidence, InputVerdict, NearMiss,
                                     PackageAudit, Problem)
from guixml.classify.rules import RuleSet, load_rules

__all__ = [
    "Classifier", "classify_channel", "classify_package", "index_resolver", "Finding",
    "Inspection", "inspect_path", "SourceOptions", "deepen", "default_store", "ContentFinding",
    "SourceContent", "inspect_source", "LicenseMappingError", "SpdxAnd", "SpdxExpression", "SpdxId",
    "SpdxSyntaxError", "guix_variables_for_expression", "parse_spdx", "ROLES", "AuditResult",
    "Evidence", "InputVerdict", "NearMiss", "PackageAudit", "Problem", "RuleSet", "load_rules",
]
