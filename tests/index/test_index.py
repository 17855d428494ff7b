"""The channel index on the Guix-style fixture channel: one definition per hard case."""

from __future__ import annotations

from pathlib import Path

import pytest

from guixml.index.channel import load_channel

FIXTURE = Path(__file__).parent.parent / "fixtures" / "channel-model"


@pytest.fixture(scope="module")
def index():
    return load_channel([str(FIXTURE)], use_cache=False, jobs=1)


def pkg(index, module, variable):
    p = index.package(f"({module})", variable)
    assert p is not None, variable
    return p


def labels(inputs):
    return [(i.label, i.kind, i.name, i.output) for i in inputs]


def test_module_names_and_files(index):
    p = pkg(index, "demo base", "libfoo")
    assert p.file == "demo/base.scm"
    assert p.location.line == 9


def test_modules(index):
    module = index.modules["(demo hard)"]
    assert module.file == "demo/hard.scm"
    assert any(i.module == "(demo other)" and i.prefix == "other:" for i in module.imports)
    assert "with-let" in module.exports
    assert [p.variable for p in module.packages][:2] == ["with-let", "child"]
    assert index.modules["(demo broken)"].errors


def test_define_public_and_export_are_public_private_define_is_not(index):
    variables = {(p.module, p.variable) for p in index.packages()}
    assert ("(demo base)", "libbar") in variables          # #:export
    assert ("(demo base)", "private-helper") not in variables


def test_let_string_join_git_version_and_git_file_name(index):
    p = pkg(index, "demo hard", "with-let")
    assert (p.name, p.version) == ("with-let", "1.0-3.0123456")
    assert p.source.uris == ("https://example.org/with-let.git",)
    assert p.source.commit == "0123456789abcdef0123456789abcdef01234567"
    assert p.source.file_name == "with-let-1.0-3.0123456-checkout"


def test_version_inside_origin_is_the_package_field(index):
    p = pkg(index, "demo base", "libfoo")
    assert p.source.uris == ("https://example.org/libfoo-1.2.3.tar.gz",)


def test_inherit_and_package_inherit(index):
    child = pkg(index, "demo hard", "child")
    assert (child.name, child.version, child.inherit) == ("child", "1.2.3", "libfoo")
    assert child.source.uris == ("https://example.org/libfoo-1.2.3.tar.gz",)
    grandchild = pkg(index, "demo hard", "grandchild")
    assert (grandchild.name, grandchild.version) == ("child", "9.9")
    assert labels(grandchild.native_inputs) == [("tool", "package", "tool", "out")]


def test_select_with_rename(index):
    child = pkg(index, "demo hard", "child")
    (tool,) = child.native_inputs
    assert (tool.ref, tool.module) == ("tool", "(demo base)")


def test_modify_inputs(index):
    p = pkg(index, "demo hard", "modified")
    assert labels(p.inputs) == [("liba", "package", "liba", "out"),
                                ("libb", "package", "libb", "out")]
    # replace keeps the label of the replaced input, as Guix does.
    assert labels(p.native_inputs) == [("tool", "package", "liba", "out")]


def test_old_style_labelled_inputs_with_output_and_inline_origin(index):
    p = pkg(index, "demo hard", "labelled")
    assert labels(p.inputs) == [("foo", "package", "libfoo", "out"),
                                ("tool-bin", "package", "tool", "bin"),
                                ("weights", "origin", None, "out")]
    assert p.inputs[2].origin.uris == ("https://example.org/nets/net-42.bin",)


def test_new_style_inputs_output_inline_origin_and_this_package_input(index):
    p = pkg(index, "demo hard", "new-style")
    # An inline origin is labelled by its file name (Guix's add-input-label).
    assert labels(p.inputs) == [("libfoo", "package", "libfoo", "out"),
                                ("tool", "package", "tool", "bin"),
                                ("net-7.bin", "origin", None, "out")]
    assert labels(p.native_inputs) == [("libfoo", "package", "libfoo", "out")]


def test_module_references(index):
    p = pkg(index, "demo hard", "by-module-ref")
    assert (p.name, p.version) == ("by-module-ref", "1.2.3")
    assert labels(p.inputs) == [("private-helper", "package", "private-helper", "out"),
                                ("libbar", "package", "libbar", "out")]


def test_package_producing_procedures(index):
    small = pkg(index, "demo hard", "net-small")
    assert (small.name, small.version, small.generator) == ("net-small", "0", "make-net")
    assert small.source.uris == ("https://example.org/nets/small.pb",)
    # Inside (package …), `name` is the package's name field ("net-small"), which
    # shadows the procedure's parameter, as in Guix.
    assert small.source.file_name == "net-net-small.pb"
    big = pkg(index, "demo hard", "net-big")
    assert big.source.uris == ("https://mirror.example.org/big.pb",)


def test_hidden_and_deprecated(index):
    assert pkg(index, "demo hard", "hidden-foo").hidden
    old = pkg(index, "demo hard", "old-foo")
    assert (old.name, old.version, old.deprecated, old.superseded) == \
        ("old-foo", "1.2.3", True, "libfoo")
    older = pkg(index, "demo hard", "%older-foo/deprecated")
    assert (older.name, older.deprecated) == ("older-foo", True)


def test_unevaluable_field_is_unresolved_not_guessed(index):
    p = pkg(index, "demo hard", "opaque")
    assert p.version is None
    assert any(u.field == "version" for u in p.unresolved)


def test_prefix_and_hide_imports(index):
    p = pkg(index, "demo hard", "imported")
    assert (p.version, p.inherit) == ("3.0", "other:liba")
    assert labels(p.inputs) == [("visible", "package", "visible", "out")]
    assert p.inputs[0].module == "(demo hidden)"


def test_licences_as_written(index):
    p = pkg(index, "demo base", "tool")
    assert [(lic.written, lic.name, lic.uri) for lic in p.licenses] == [
        ("license:expat", "expat", None),
        ("license:non-copyleft", "non-copyleft", "https://example.org/L")]


def test_broken_module_is_reported_and_the_rest_indexed(index):
    assert any("demo/broken.scm:" in e for e in index.errors)
    assert pkg(index, "demo other", "liba").name == "liba"


def test_who_uses_whom(index):
    users = {p.variable for p in index.users_of("(demo base)", "libfoo")}
    assert {"tool", "with-let", "labelled", "new-style"} <= users
    assert ("(demo base)", "libfoo") in index.dependencies(pkg(index, "demo base", "tool"))


def test_real_tree_hard_cases(guix_source):
    packages = guix_source / "gnu" / "packages"
    index = load_channel([str(packages / "lc0.scm"), str(packages / "games.scm")],
                         use_cache=False)
    net = index.package("(gnu packages lc0)", "lc0-t2")
    assert net.name == "lc0-t2" and net.generator == "make-lc0-contrib-net"
    assert net.source.uris[0].startswith("https://storage.lczero.org/files/networks-contrib/")
    maia = index.package("(gnu packages lc0)", "lc0-maia-1100")
    assert (maia.name, maia.version) == ("lc0-maia-1100", "1.0")
    stockfish = index.package("(gnu packages games)", "stockfish")
    assert [(i.label, i.kind) for i in stockfish.inputs] == [
        ("neural-network-big", "origin"), ("neural-network-small", "origin")]
    assert all(i.origin.uris[0].endswith(".nnue") for i in stockfish.inputs)


def test_spans_of_the_form_and_of_fields_kept_as_written(index):
    p = pkg(index, "demo base", "tool")
    text = (FIXTURE / p.location.file).read_text(encoding="utf-8")
    start, end = p.span
    assert p.location.offset == start
    assert text[start:end].startswith("(package\n    (name \"tool\")")
    assert text[start:end].endswith('(license:non-copyleft "https://example.org/L"))))')
    arguments = p.field_span("arguments")
    assert text[arguments[0]:arguments[1]] == "(arguments\n     (list #:tests? #f))"
    assert p.field_span("phases") is None


def test_a_failing_worker_has_its_files_read_here(monkeypatch):
    import guixml.index.channel as index_module
    summarize = index_module._summarize_indexed

    def flaky(job):
        if job[1][1].endswith("other.scm"):
            raise RuntimeError("worker lost")
        return summarize(job)

    monkeypatch.setattr(index_module, "_summarize_indexed", flaky)
    index = load_channel([str(FIXTURE)], use_cache=False, jobs=2)
    assert index.package("(demo other)", "liba") is not None
    assert index.package("(demo base)", "tool") is not None


def test_without_fork_the_files_are_read_here(monkeypatch):
    import multiprocessing

    def no_fork(method=None):
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    index = load_channel([str(FIXTURE)], use_cache=False, jobs=2)
    assert index.package("(demo other)", "liba") is not None
    assert index.package("(demo marks)", "libb-marked") is not None  # linked here too


def test_header_imports_guess_the_define_module_clauses(tmp_path):
    from guixml.index.channel import _header_imports
    scm = tmp_path / "example.scm"
    scm.write_text(";;; A licence header.\n;;; #:use-module (not really)\n"
                   "(define-module (my channel example)\n"
                   "  #:use-module (guix packages)\n"
                   "  #:use-module ((guix licenses) #:prefix license:)\n"
                   "  #:use-module ((gnu packages  base)\n      #:select (coreutils))\n"
                   "  #:use-module (guix packages))\n\n"
                   "(define x '(#:use-module (after the head)))\n")
    assert sorted(_header_imports(str(scm))) == [
        "(gnu packages base)", "(guix licenses)", "(guix packages)"]
    (tmp_path / "plain.scm").write_text("(define y 1)\n")
    assert _header_imports(str(tmp_path / "plain.scm")) == []
    assert _header_imports(str(tmp_path / "missing.scm")) == []


def test_library_modules_a_stuck_worker_never_sends_are_read_here(tmp_path, monkeypatch):
    """A worker that hangs on library modules costs one timeout, not one each,
    and what it never sent is read in this process."""
    import os
    import time

    import guixml.index.channel as index_module
    for name in ("alpha", "beta", "gamma"):
        (tmp_path / "guix").mkdir(exist_ok=True)
        (tmp_path / "guix" / f"{name}.scm").write_text(
            f"(define-module (guix {name})\n  #:export ({name}-version))\n\n"
            f"(define {name}-version \"1.{len(name)}\")\n")
    (tmp_path / "gnu" / "packages").mkdir(parents=True)
    for i in range(6):
        (tmp_path / "gnu" / "packages" / f"m{i}.scm").write_text(
            f"(define-module (gnu packages m{i})\n"
            "  #:use-module (guix alpha)\n  #:use-module (guix beta)\n"
            "  #:use-module (guix gamma))\n\n"
            f"(define-public p{i}\n  (package\n    (name \"p{i}\")\n"
            "    (version (string-append alpha-version beta-version gamma-version))))\n")
    parent = os.getpid()
    read = index_module.summarize_file_pickled

    def stuck_on_library(job):
        if os.getpid() != parent and "/guix/" in job[0].replace(os.sep, "/"):
            time.sleep(3600)  # ended by the pool's terminate
        return read(job)

    monkeypatch.setattr(index_module, "summarize_file_pickled", stuck_on_library)
    monkeypatch.setattr(index_module, "WORKER_TIMEOUT", 1)
    index = load_channel([str(tmp_path)], jobs=2, use_cache=False)
    assert sorted((p.name, p.version) for p in index.packages()) == [
        (f"p{i}", "1.51.41.5") for i in range(6)]


def test_a_file_that_is_not_utf8_is_reported_where_the_bad_byte_is(tmp_path):
    (tmp_path / "bad.scm").write_bytes(
        b'(define-module (bad))\n(define-public b "caf\xc3\xa9 \xff")\n')
    (tmp_path / "good.scm").write_text(
        '(define-module (good))\n(define-public g (package (name "g") (version "1")))\n')
    index = load_channel([str(tmp_path)], jobs=1, use_cache=False)
    assert [p.name for p in index.packages()] == ["g"]
    assert "bad.scm:2:23: not UTF-8 text (byte 0xff: invalid start byte)" in index.errors
