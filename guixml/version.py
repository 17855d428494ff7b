"""guixml's version, in a module of its own so that any stage can name it
without importing the package's lazy API (``guixml/__init__.py``).

It also says which mode runs: the same source, either interpreted (pure
Python) or with the modules of :data:`COMPILED_MODULES` compiled by mypyc
(``tools/build_compiled.py``, ``make compiled``, writes them beside their
``.py`` files).  ``GUIXML_PURE=1`` makes ``guixml`` import the ``.py`` files
even where compiled ones are built, and so does a stale build (a listed
``.py`` newer than the built modules, or another list of modules): the
compiled modules of one build call each other directly, so they run all
together or not at all.
"""

from __future__ import annotations

import os
import sys

__version__ = "0.1.0"

#: The modules worth compiling (each measured, DEVELOPERS.md "#17"), the one
#: list the build and the mode report read.  The others stay interpreted.
COMPILED_MODULES: tuple[str, ...] = (
    "guixml.scheme.reader",
    "guixml.evaluate.values",
    "guixml.evaluate.interpreter",
    "guixml.evaluate.summary",
    "guixml.evaluate.fields",
    "guixml.index.scope",
    "guixml.index.link",
    "guixml.classify.classifier",
)

#: Set (to anything but "" or "0") to run the pure-Python modules even where
#: compiled ones are built.
PURE_VARIABLE = "GUIXML_PURE"

#: The build's shared library (mypyc's runtime and the modules' code), in the package.
GROUP_LIBRARY = "_compiled__mypyc"

_BASE = os.path.dirname(os.path.abspath(__file__))


def _extension(stem: str) -> str | None:
    from importlib.machinery import EXTENSION_SUFFIXES
    for suffix in EXTENSION_SUFFIXES:
        if os.path.exists(stem + suffix):
            return stem + suffix
    return None


def _stem(name: str) -> str:
    return os.path.join(_BASE, *name.split(".")[1:])


def built_state() -> tuple[list[str], str | None]:
    """The listed modules with an extension module built beside them, and why
    that build cannot be used (None when it can, or when nothing is built)."""
    built = [name for name in COMPILED_MODULES if _extension(_stem(name))]
    if not built:
        return built, None
    library = _extension(os.path.join(_BASE, GROUP_LIBRARY))
    if len(built) != len(COMPILED_MODULES) or library is None:
        return built, "compiled modules built for another list of modules: make compiled"
    try:
        oldest = min(os.stat(p).st_mtime for p in
                     [library, *(_extension(_stem(name)) or "" for name in built)])
        newest = max(os.stat(_stem(name) + ".py").st_mtime for name in COMPILED_MODULES)
    except OSError as error:
        return built, str(error)
    if newest > oldest:
        return built, "compiled modules older than their source: make compiled"
    return built, None


def pure_requested() -> bool:
    return os.environ.get(PURE_VARIABLE, "") not in ("", "0")


def pure_reason() -> str | None:
    """Why guixml must import its .py files although compiled modules are
    built (GUIXML_PURE, or a stale build), or None."""
    built, unusable = built_state()
    if not built:
        return None
    if pure_requested():
        return f"{PURE_VARIABLE} is set"
    return unusable


#: Why this process runs pure Python although compiled modules are built
#: (set by guixml/__init__.py at import from :func:`pure_reason`), or None.
PURE_REASON: str | None = None


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILED_MODULES` that run compiled in this process:
    imported from an extension module, or (not imported yet) that will be; in
    that order."""
    from importlib.machinery import EXTENSION_SUFFIXES
    found = []
    for name in COMPILED_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            origin = getattr(module, "__file__", None) or ""
            compiled = origin.endswith(tuple(EXTENSION_SUFFIXES))
        else:
            compiled = PURE_REASON is None and not pure_requested() \
                and _extension(_stem(name)) is not None
        if compiled:
            found.append(name)
    return found


def build_mode() -> str:
    """One line: ``pure Python`` (and why, when compiled modules are built) or
    ``compiled (mypyc): MODULES``."""
    found = compiled_modules()
    if found:
        short = ", ".join(name.removeprefix("guixml.") for name in found)
        return f"compiled (mypyc): {short}"
    if PURE_REASON is not None:
        return f"pure Python ({PURE_REASON})"
    return "pure Python"
