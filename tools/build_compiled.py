"""Compile guixml's hot modules with mypyc, in place, beside their .py files.

Usage::

    python tools/build_compiled.py            # build (or rebuild) the compiled modules
    python tools/build_compiled.py --clean    # remove them: pure Python again
    python tools/build_compiled.py --check    # exit 0 if a build can run here
    python tools/build_compiled.py --if-stale # build only if not built or stale (make compiled)

The modules are those of ``guixml.version.COMPILED_MODULES`` (the one list).
The source stays the single truth: the extension modules are built from the
same ``.py`` files, which stay where they are, so the checkout runs pure
Python once they are removed, or with ``GUIXML_PURE=1`` while they are there.
Without a C compiler or without mypyc (``pip install -e '.[compiled]'``)
nothing is built; the last line printed says which mode runs.  Built files
are git-ignored.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from guixml.version import COMPILED_MODULES, PURE_VARIABLE, built_state, pure_requested  # noqa: E402

#: The group's shared library (mypyc's runtime and every module's code):
#: guixml/_compiled__mypyc.*.so, inside the package, so an editable install finds it.
GROUP = "guixml._compiled"


def built_files() -> list[Path]:
    """Extension modules guixml has beside its .py files (what --clean removes)."""
    return sorted(p for p in (REPO / "guixml").rglob("*")
                  if p.name.endswith(tuple(EXTENSION_SUFFIXES)))


def why_not() -> str | None:
    """Why no build can run here, or None."""
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (pip install -e '.[compiled]')"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not sysconfig.get_paths().get("include") or \
            not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    return None


def clean() -> None:
    for path in built_files():
        path.unlink()


def sources() -> list[str]:
    """mypy's arguments: its options (errors in modules left interpreted do not
    stop the build) and the files to compile."""
    return (["--ignore-missing-imports", "--follow-imports=silent"]
            + [str(Path(*name.split(".")).with_suffix(".py")) for name in COMPILED_MODULES])


def build(jobs: int) -> None:
    """mypyc the modules in a temporary folder (mypyc's C goes to REPO/build,
    git-ignored, so a rebuild of unchanged modules is quicker) and copy the
    extension modules beside their sources."""
    clean()  # never a stale extension beside a newer source
    script = (
        "import os, sys\n"
        "from setuptools import setup\n"
        "from mypyc.build import mypycify\n"
        f"os.chdir({str(REPO)!r})\n"
        "modules = mypycify(" f"{sources()!r}, group_name={GROUP!r}, opt_level='3', "
        f"debug_level='0', target_dir={str(REPO / 'build')!r})\n"
        f"os.chdir({{tmp!r}})\n"
        "setup(name='guixml-compiled', packages=[], py_modules=[], ext_modules=modules)\n"
    )
    with tempfile.TemporaryDirectory(prefix="guixml-build-") as tmp:
        setup = Path(tmp) / "setup.py"
        setup.write_text(script.replace("{tmp!r}", repr(tmp)))
        env = dict(os.environ, MYPY_FORCE_COLOR="0")
        lib = Path(tmp) / "lib"
        command = [sys.executable, str(setup), "-q", "build_ext", "--build-lib", str(lib),
                   "--build-temp", str(Path(tmp) / "temp"), "--parallel", str(jobs)]
        result = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            raise SystemExit("guixml: the mypyc build failed; pure Python runs")
        for built in lib.rglob("*"):
            if built.name.endswith(tuple(EXTENSION_SUFFIXES)):
                target = REPO / built.relative_to(lib)
                shutil.copyfile(built, target.with_name(target.name + ".tmp"))
                os.replace(target.with_name(target.name + ".tmp"), target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/build_compiled.py")
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    parser.add_argument("--check", action="store_true",
                        help="only say whether a build can run here")
    parser.add_argument("--if-stale", action="store_true",
                        help="build only when the modules are not built, or older than "
                             "their source")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.clean:
        clean()
        print("guixml: pure Python (compiled modules removed)")
        return 0
    reason = why_not()
    if args.check:
        print(reason or "a compiled build can run here")
        return 1 if reason else 0
    built, unusable = built_state()
    if reason is not None and not (args.if_stale and built and unusable is None):
        clean()
        print(f"guixml: pure Python ({reason})")
        return 0
    if not (args.if_stale and built and unusable is None):
        print(f"guixml: compiling {len(COMPILED_MODULES)} modules with mypyc "
              "(about a minute)", flush=True)
        try:
            build(args.jobs)
        except SystemExit as stop:
            print(stop, file=sys.stderr)
            print("guixml: pure Python (the compiled build failed)")
            return 0
    modules = ", ".join(n.removeprefix("guixml.") for n in COMPILED_MODULES)
    if pure_requested():
        print(f"guixml: pure Python ({PURE_VARIABLE} is set; compiled modules built: {modules})")
    else:
        print(f"guixml: compiled (mypyc): {modules}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
