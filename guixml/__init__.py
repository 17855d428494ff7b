"""guixml: find, explain and annotate pre-trained ML weights in GNU Guix packages."""

import sys as _sys

from guixml import version as _version
from guixml.version import __version__  # noqa: F401  (re-exported)

#: The library API (guixml/api.py, docs/api.md), imported on first use so that
#: ``import guixml`` stays cheap for the command line.
_API = ("load_channel", "audit", "audit_report", "suggest_properties", "policy_verdicts",
        "show", "render", "AuditReport", "PackageReport", "PolicyVerdict")


class _PureSource:
    """With GUIXML_PURE set or a stale build, guixml's modules are imported
    from their ``.py`` files even where mypyc built extension modules beside
    them (Python's own finder would take the extension first)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if path is None or not name.startswith("guixml."):
            return None
        from importlib.machinery import FileFinder, SourceFileLoader, SOURCE_SUFFIXES
        for entry in path:
            spec = FileFinder(entry, (SourceFileLoader, SOURCE_SUFFIXES)).find_spec(name, target)
            if spec is not None and spec.loader is not None:
                return spec  # (namespace packages, such as guixml.data, as Python finds them)
        return None


_version.PURE_REASON = _version.pure_reason()
if _version.PURE_REASON is not None and _PureSource not in _sys.meta_path:
    _sys.meta_path.insert(0, _PureSource)


def __getattr__(name: str):
    if name in _API:
        from guixml import api
        return getattr(api, name)
    raise AttributeError(f"module 'guixml' has no attribute {name!r}")
