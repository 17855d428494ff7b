"""A channel's guixml settings: ``guixml.toml`` at the channel root.

::

    # guixml.toml
    policy = "gcd-008"          # the policy reports and exit codes follow
    fail-on = "review"          # weights | review | reject | never
    rules = ["guixml-rules.toml"]   # extra rule files, relative to this file

    [ignore]                    # listed, but never a finding
    packages = ["font-*"]       # package names (shell-style patterns)
    variables = ["my-test-net"] # variable names

The same keys may sit under ``[tool.guixml]`` in any TOML file given with
``--config`` (a ``pyproject.toml``-like layout).  Options given on the
command line win over the file.  Unknown keys are errors, so a typo never
silently drops a setting.
"""

from __future__ import annotations

import os
import tomllib
from typing import Any, Iterable

from attrs import frozen

from guixml.errors import GuixmlError

__all__ = ["Config", "ConfigError", "CONFIG_NAME", "load_config", "find_config"]

CONFIG_NAME = "guixml.toml"

_KEYS = {"policy", "fail-on", "rules", "ignore", "format"}
_IGNORE_KEYS = {"packages", "variables"}


class ConfigError(GuixmlError):
    """A config file guixml cannot use; the message names the file."""


@frozen
class Config:
    """Settings of a channel; every field is optional (``None``/empty: default)."""

    policy: str | None = None
    fail_on: str | None = None
    format: str | None = None
    rules: tuple[str, ...] = ()  # absolute paths, or relative to the current directory
    ignore_packages: tuple[str, ...] = ()
    ignore_variables: tuple[str, ...] = ()
    file: str | None = None


def _strings(file: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{file}: `{key}` must be a string or a list of strings")


def _string(file: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{file}: `{key}` must be a string")
    return value


def parse_config(text: str, file: str) -> Config:
    """The settings in TEXT, the contents of FILE (named in errors)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: {error}") from None
    table = document.get("tool", {}).get("guixml") if isinstance(
        document.get("tool"), dict) and "guixml" in document["tool"] else document
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [tool.guixml] must be a table")
    unknown = sorted(set(table) - _KEYS - ({"tool"} if table is document else set()))
    if unknown:
        raise ConfigError(f"{file}: unknown setting(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(_KEYS))}")
    ignore = table.get("ignore", {})
    if not isinstance(ignore, dict):
        raise ConfigError(f"{file}: `ignore` must be a table (packages = [...], "
                          "variables = [...])")
    unknown = sorted(set(ignore) - _IGNORE_KEYS)
    if unknown:
        raise ConfigError(f"{file}: unknown key(s) in [ignore]: {', '.join(unknown)}")
    base = os.path.dirname(os.path.abspath(file))
    rules = _strings(file, "rules", table.get("rules", []))
    return Config(
        policy=_string(file, "policy", table["policy"]) if "policy" in table else None,
        fail_on=_string(file, "fail-on", table["fail-on"]) if "fail-on" in table else None,
        format=_string(file, "format", table["format"]) if "format" in table else None,
        rules=tuple(os.path.join(base, rule) for rule in rules),
        ignore_packages=_strings(file, "ignore.packages", ignore.get("packages", [])),
        ignore_variables=_strings(file, "ignore.variables", ignore.get("variables", [])),
        file=file,
    )


def load_config(file: str) -> Config:
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise ConfigError(f"{file}: cannot read config: {error.strerror}") from None
    return parse_config(text, file)


def find_config(paths: Iterable[str]) -> str | None:
    """The ``guixml.toml`` of the first of PATHS that has one: at a tree's
    root, or for a module file in the nearest directory above it (up to the
    root of its git checkout)."""
    for path in paths:
        if os.path.isdir(path):
            candidate = os.path.join(path, CONFIG_NAME)
            if os.path.isfile(candidate):
                return candidate
            continue
        directory = os.path.dirname(os.path.abspath(path))
        while True:
            candidate = os.path.join(directory, CONFIG_NAME)
            if os.path.isfile(candidate):
                return candidate
            parent = os.path.dirname(directory)
            if parent == directory or os.path.isdir(os.path.join(directory, ".git")):
                break
            directory = parent
    return None
