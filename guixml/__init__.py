"""guixml: find, explain and annotate pre-trained ML weights in GNU Guix packages."""

from guixml.version import __version__  # noqa: F401  (re-exported)

#: The library API (guixml/api.py, docs/api.md), imported on first use so that
#: ``import guixml`` stays cheap for the command line.
_API = ("load_channel", "audit", "audit_report", "suggest_properties", "policy_verdicts",
        "show", "render", "AuditReport", "PackageReport", "PolicyVerdict")


def __getattr__(name: str):
    if name in _API:
        from guixml import api
        return getattr(api, name)
    raise AttributeError(f"module 'guixml' has no attribute {name!r}")
