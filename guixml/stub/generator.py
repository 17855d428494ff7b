"""A Guix package definition for one weights file, and how a program takes it.

``guixml stub URL`` answers the question a packager has when a program needs
a network file: what does a separate weights package look like?  The stub

- fetches the file with ``url-fetch`` and pins it with Guix's ``sha256``
  (nix-base32, computed from a local copy when one is given; otherwise a
  placeholder of 52 zeros, which Guix rejects with the real hash in its
  error message, and a warning);
- guesses name and version from the URL (a version only when the URL shows
  one: a ``v1.2``-like path segment or a numeric file-name suffix; else
  ``"0"``, as Guix's own network packages do);
- installs the file, untouched, under ``share/NAME/`` with
  ``copy-build-system`` (the ``unpack`` phase is replaced by a copy, so a
  ``.gz`` network is not decompressed);
- maps the SPDX licence to the ``(guix licenses)`` variable
  (:mod:`guixml.classify.licenses`);
- when a local copy is given, checks with :mod:`guixml.classify.inspect` that it is a
  recognised weight format (a warning otherwise: an HTML error page saved by
  mistake would get a hash too);
- fills ``properties`` with the vocabulary of docs/annotations.md:
  ``ml-weights`` is ``model``, the licence is recorded as given, and what no
  URL can tell (training software, data, reproducibility) is ``unknown``,
  flagged for review.

:func:`consumer_snippet` is the other half: the input and the phase a
program's package uses to find the file, and its own ``properties``.
"""

from __future__ import annotations

import os
import textwrap
import re
import urllib.parse
from typing import Any

import attrs

from guixml.scheme.datum import DottedList, Keyword, List, sym
from guixml.annotate.emit import PropertyEntry, UNKNOWN, properties_field
from guixml.errors import GuixmlError
from guixml.sources.hashing import guix_hash
from guixml.classify.inspect import inspect_path
from guixml.stub.layout import Verbatim, layout
from guixml.classify.licenses import LicenseMappingError, guix_variables_for_expression, parse_spdx

__all__ = ["StubRequest", "Stub", "StubError", "make_stub", "guess_name_version",
           "PLACEHOLDER_HASH"]

#: A well-formed nix-base32 sha256 that no file has: Guix reports the real one.
PLACEHOLDER_HASH = "0" * 52

# Extensions stripped from a file name to find the package name; compound first.
_EXTENSIONS = (".pb.gz", ".tar.gz", ".tar.xz", ".tar.bz2", ".txt.gz", ".gguf", ".ggml",
               ".safetensors", ".onnx", ".pt", ".pth", ".ckpt", ".bin", ".h5", ".hdf5",
               ".keras", ".tflite", ".nnue", ".traineddata", ".caffemodel", ".weights",
               ".pb", ".gz", ".xz", ".bz2", ".zip", ".tgz", ".model", ".npz", ".params",
               ".txt", ".dat", ".pkl")
_VERSION_SEGMENT = re.compile(r"^v?(\d+(?:\.\d+)+)$")
# A file-name suffix is a version when dotted (1.2.0), prefixed by v (v2) or a
# long number (a training step, 744204); `_0` in `model-q4_0` or `-50` in
# `resnet-50` are not.
_NAME_VERSION = re.compile(
    r"^(?P<name>.*?[a-z].*?)[-_](?:v(?P<v>\d+(?:\.\d+)*)|(?P<version>\d+(?:\.\d+)+|\d{3,}))$")
# Else a dotted or v-prefixed version inside the file name, followed by a
# variant tag (`tiny-llm-v1.2-q4_0`: version 1.2, the tag stays in the name).
_INNER_VERSION = re.compile(
    r"^(?P<name>.*?[a-z].*?)[-_](?:v(?P<v>\d+(?:\.\d+)*)|(?P<version>\d+(?:\.\d+)+))"
    r"(?P<tag>[-_].*[a-z].*)$")
_NAME_CHARACTERS = re.compile(r"[^a-z0-9+.-]+")


class StubError(GuixmlError):
    """A stub that cannot be made as asked (bad URL, unreadable file, bad licence)."""


@attrs.frozen
class StubRequest:
    url: str
    file: str | None = None  # a local copy, to compute the hash
    name: str | None = None
    version: str | None = None
    license: str | None = None  # SPDX expression of the weights
    synopsis: str | None = None
    consumer: str | None = None  # the package that will use the weights


@attrs.frozen
class Stub:
    name: str
    version: str
    file_name: str  # the file's name in the store and under share/NAME/
    text: str  # the package definition, guix style
    snippet: str  # for the consumer, as Scheme comments
    warnings: tuple[str, ...] = ()


#: What a decoded file name must not hold: separators, control characters
#: (NUL among them) or a ``..`` (with separators refused, only ``..`` alone
#: could climb; any is refused, as a packager would not name a file so).
_UNSAFE_FILE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.")


def url_file_name(url: str) -> str:
    """The last path segment of URL, decoded; StubError when there is none."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https", "ftp", "mirror") or not parsed.netloc:
        raise StubError(f"{url}: not an http(s), ftp or mirror:// URL")
    segment = urllib.parse.unquote(parsed.path.rstrip("/").rsplit("/", 1)[-1])
    if not segment:
        raise StubError(f"{url}: the URL names no file; give --name")
    if _UNSAFE_FILE_NAME.search(segment) or segment in (".", ".."):
        # It becomes the origin's file-name and a path in the install plan.
        raise StubError(f"{url}: the file name {segment!r} the URL decodes to holds a path "
                        "separator, '..' or a control character; not a file name")
    return segment


def _strip_extensions(file_name: str) -> str:
    stem = file_name
    for _ in range(2):
        lowered = stem.lower()
        for extension in _EXTENSIONS:
            if lowered.endswith(extension) and len(stem) > len(extension):
                stem = stem[: -len(extension)]
                break
        else:
            break
    return stem


def _package_name(text: str) -> str:
    name = _NAME_CHARACTERS.sub("-", text.lower().replace("_", "-")).strip("-.")
    return re.sub(r"-{2,}", "-", name)


def guess_name_version(url: str) -> tuple[str, str | None]:
    """(name, version or None) from URL, as a packager would read them.

    The version comes from a dotted path segment (``…/download/v4.1.0/…``) or
    a numeric suffix of the file name (``weights_run1_744204``); a hash-like
    suffix (``nn-1c0000000000``) is part of the name, not a version.
    """
    parsed = urllib.parse.urlparse(url)
    stem = _strip_extensions(url_file_name(url))
    version = None
    for segment in parsed.path.split("/")[:-1]:
        match = _VERSION_SEGMENT.match(segment)
        if match:
            version = match.group(1)
    match = _NAME_VERSION.match(stem.lower())
    if match and version is None:
        return _package_name(match.group("name")), match.group("v") or match.group("version")
    match = _INNER_VERSION.match(stem.lower())
    if match and version is None:
        return (_package_name(match.group("name") + match.group("tag")),
                match.group("v") or match.group("version"))
    return _package_name(stem), version


# Forges whose project page is the first two path segments of a download URL.
_FORGES = ("github.com", "gitlab.com", "codeberg.org", "huggingface.co")


def _home_page(url: str) -> str:
    """The project page of a forge download URL, else the site's root."""
    parsed = urllib.parse.urlparse(url)
    segments = [s for s in parsed.path.split("/") if s]
    path = "/"
    if parsed.netloc.lower() in _FORGES and len(segments) >= 3:
        path = "/" + "/".join(segments[:2])
    return urllib.parse.urlunparse((parsed.scheme, parsed.netloc, path, "", "", ""))


def _filled_string(text: str, column: int, width: int = 78) -> Verbatim:
    """TEXT as a Scheme string filled to WIDTH with literal newlines, as Guix writes
    descriptions (Guile's reader keeps them)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    lines = textwrap.wrap(escaped, width - column - 1, break_long_words=False,
                          break_on_hyphens=False)
    return Verbatim('"' + "\n".join(lines) + '"')


def _store_file_name(name: str, file_name: str) -> str:
    """The origin's file name: upstream's, prefixed with NAME unless it has it
    (`guix lint` wants the package name in a source file name).  The file is
    installed under upstream's name whatever this is: the unpack phase copies it."""
    words = set(_package_name(_strip_extensions(file_name)).split("-"))
    has_name = name in file_name.lower() or set(name.split("-")) <= words
    return file_name if has_name else f"{name}-{file_name}"


def _content_warnings(path: str) -> list[str]:
    """A warning when the local copy is not a weight format guixml recognises."""
    try:
        findings = inspect_path(path).findings
    except GuixmlError as error:
        return [f"{path}: could not be inspected ({error})"]
    if findings:
        return []
    return [f"{path}: not a weight format `guixml inspect` recognises; "
            "check that it is the file the URL serves"]


def _license_field(spdx: str | None, warnings: list[str]) -> Any:
    if spdx is None:
        warnings.append("no --license: the license field is #f and ml-weights-license is #f; "
                        "find the weights' licence and fill both in")
        return False
    try:
        variables = guix_variables_for_expression(spdx)
    except LicenseMappingError:
        warnings.append(f"no (guix licenses) variable for {spdx!r}: the license field is #f; "
                        "a licence Guix does not list may keep the package out of Guix proper")
        return False
    symbols = [sym(f"license:{variable}") for variable in variables]
    return symbols[0] if len(symbols) == 1 else List([sym("list"), *symbols])


def _properties(spdx: str | None) -> Verbatim:
    entries = [PropertyEntry("ml-weights", sym("model"))]
    entries.append(PropertyEntry("ml-weights-license", spdx) if spdx
                   else PropertyEntry("ml-weights-license", UNKNOWN, known=False))
    for key in ("ml-training-software", "ml-training-data", "ml-reproducibility"):
        entries.append(PropertyEntry(key, UNKNOWN, known=False))
    entries.sort(key=lambda entry: not entry.known)
    return Verbatim(properties_field(entries, indent="    "))


def make_stub(request: StubRequest) -> Stub:
    """The package definition and consumer snippet for REQUEST."""
    warnings: list[str] = []
    file_name = url_file_name(request.url)
    guessed_name, guessed_version = guess_name_version(request.url)
    name = _package_name(request.name) if request.name else guessed_name
    if not name:
        raise StubError(f"{request.url}: no package name can be made from the URL; give --name")
    version = request.version or guessed_version
    if version is None:
        version = "0"
        warnings.append('no version in the URL: version "0" (as Guix does for unversioned '
                        "networks); give --version if upstream has one")
    if request.license is not None:
        parse_spdx(request.license)  # a malformed expression is an error, not a warning
    if request.file:
        if not os.path.isfile(request.file):
            raise StubError(f"{request.file}: no such file")
        try:
            hash_text = guix_hash(request.file)
        except OSError as error:
            raise StubError(f"{request.file}: {error.strerror or error}") from error
        warnings.extend(_content_warnings(request.file))
    else:
        hash_text = PLACEHOLDER_HASH
        warnings.append("no --file: the sha256 is a placeholder; run `guix download URL` "
                        "(or give --file) and put the real hash in")
    home_page = _home_page(request.url)
    synopsis = request.synopsis or f"Pre-trained weights file {file_name}"
    description = (f"This package provides the pre-trained weights file {file_name}, "
                   f"installed under share/{name}/.")
    install_dir = f"share/{name}/"
    arguments = List([
        sym("list"),
        Keyword("install-plan"),
        List([sym("gexp"), List([sym("quote"), List([List([file_name, install_dir])])])]),
        Keyword("phases"),
        List([sym("gexp"), List([
            sym("modify-phases"), sym("%standard-phases"),
            List([sym("replace"), List([sym("quote"), sym("unpack")]),
                  List([sym("lambda*"),
                        List([Keyword("key"), sym("source"), Keyword("allow-other-keys")]),
                        List([sym("copy-file"), sym("source"), file_name])])])])]),
    ])
    package = List([
        sym("package"),
        List([sym("name"), name]),
        List([sym("version"), version]),
        List([sym("source"), List([
            sym("origin"),
            List([sym("method"), sym("url-fetch")]),
            List([sym("uri"), request.url]),
            List([sym("file-name"), _store_file_name(name, file_name)]),
            List([sym("sha256"), List([sym("base32"), hash_text])])])]),
        List([sym("build-system"), sym("copy-build-system")]),
        List([sym("arguments"), arguments]),
        List([sym("home-page"), home_page]),
        List([sym("synopsis"), synopsis]),
        List([sym("description"), _filled_string(description, column=5)]),
        List([sym("license"), _license_field(request.license, warnings)]),
        _properties(request.license),
    ])
    text = layout(List([sym("define-public"), sym(name), package])) + "\n"
    snippet = consumer_snippet(name, file_name, request.consumer)
    return Stub(name, version, file_name, text, snippet, tuple(warnings))


def consumer_forms(name: str, file_name: str, consumer: str | None) -> list[Any]:
    """The fields a consumer package adds: input, phase, properties (as data)."""
    target = f"share/{name}/{file_name}"
    inputs = List([sym("inputs"), List([sym("list"), sym(name)])])
    phase = List([
        sym("add-after"), List([sym("quote"), sym("unpack")]),
        List([sym("quote"), sym("install-weights")]),
        List([sym("lambda*"), List([Keyword("key"), sym("inputs"), Keyword("allow-other-keys")]),
              List([sym("copy-file"),
                    List([sym("search-input-file"), sym("inputs"), target]),
                    file_name])])])
    arguments = List([sym("arguments"), List([
        sym("list"), Keyword("phases"),
        List([sym("gexp"), List([sym("modify-phases"), sym("%standard-phases"), phase])])])])
    properties = List([sym("properties"), List([sym("quote"), List([
        DottedList([sym("ml-weights")], sym("separate")),
        List([sym("ml-weight-inputs"), name])])])])
    return [inputs, arguments, properties]


def consumer_snippet(name: str, file_name: str, consumer: str | None) -> str:
    """Comment lines showing how CONSUMER (a package name) takes the weights as an input."""
    who = consumer or "the program's package"
    intro = (f"How {who} takes these weights as a separate input: it lists the package "
             f"among its inputs, copies the file share/{name}/{file_name} of that input "
             "where its build expects it (or passes that path to the program), and records "
             "the relation in its properties.")
    lines = textwrap.wrap(intro, 75, initial_indent=";; ", subsequent_indent=";; ",
                          break_long_words=False, break_on_hyphens=False) + [";;"]
    for form in consumer_forms(name, file_name, consumer):
        # Laid out at column 5, the column after ";;   ", so widths are right.
        text = ";;   " + layout(form, 5, ("package",))
        lines.extend(line if line.startswith(";;") else ";;" + line[2:]
                     for line in text.split("\n"))
    return "\n".join(lines) + "\n"
