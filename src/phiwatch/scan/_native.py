"""The scanner's hot modules compiled with mypyc, used where they were built and are current.

A text dense in identifiers costs Python work per candidate (the loop, the span and
context look-ups, the validators), spread thinly over many small steps. mypyc compiles
these same source files to C extensions, about a quarter faster on dense text (7.0 MB/s
against 5.5 in ``benchmarks/scan_speed.py``); nothing is written twice, so the sources
stay the fallback and the reference.

``build()`` (``make native``, which ``make install`` runs) builds them into
``build/native/`` beside ``src/``, never into the source tree. They are used only when
every one of them is there and newer than every source it was built from (a stale build
would run old code): otherwise, or with ``PHIWATCH_SCAN_PURE=1`` in the environment, the
sources run as they are. ``compiled_modules()`` says which ran.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

COMPILED = (
    "phiwatch.scan._matcher",
    "phiwatch.scan._scanner",
    "phiwatch.scan.recognizers._util",
    "phiwatch.scan.recognizers.date",
    "phiwatch.scan.recognizers.dea",
    "phiwatch.scan.recognizers.email",
    "phiwatch.scan.recognizers.health_plan",
    "phiwatch.scan.recognizers.icd10",
    "phiwatch.scan.recognizers.ip_address",
    "phiwatch.scan.recognizers.itin",
    "phiwatch.scan.recognizers.mbi",
    "phiwatch.scan.recognizers.mrn",
    "phiwatch.scan.recognizers.npi",
    "phiwatch.scan.recognizers.phone",
    "phiwatch.scan.recognizers.ssn",
    "phiwatch.scan.recognizers.zip_code",
)
"""The modules compiled: the candidate loop, the span recovery and the validators that run
on most candidates."""
GROUP = "phiwatch.scan._compiled"
"""mypyc's shared library for the group is this name plus ``__mypyc``."""
PURE_VARIABLE = "PHIWATCH_SCAN_PURE"

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``phiwatch`` package (``src/`` in a checkout)."""
BUILD_DIR = SOURCE_ROOT.parent / "build" / "native"


def _source(name: str) -> Path:
    return SOURCE_ROOT.joinpath(*name.split(".")).with_suffix(".py")


def _binary(name: str, build_dir: Path) -> Path:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    parts = name.split(".")
    return build_dir.joinpath(*parts[:-1], parts[-1] + suffix)


def _library() -> str:
    return GROUP + "__mypyc"


def current(build_dir: Path = BUILD_DIR) -> bool:
    """Whether a complete build is there and newer than every compiled module's source."""
    try:
        built = min(_binary(n, build_dir).stat().st_mtime for n in (*COMPILED, _library()))
        edited = max(_source(n).stat().st_mtime for n in COMPILED)
    except OSError:  # not built (no compiler, a wheel install) or a file missing
        return False
    return built > edited


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules in the build folder, ahead of the sources."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.names = frozenset((*COMPILED, _library()))

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        return importlib.util.spec_from_file_location(fullname, _binary(fullname, self.build_dir))


def install(build_dir: Path = BUILD_DIR) -> bool:
    """Use the compiled modules from here on where they are current and wanted; called by
    ``phiwatch.scan`` before it imports any of them. Returns whether they will be used."""
    if os.environ.get(PURE_VARIABLE) or not current(build_dir):
        return False
    if not any(isinstance(f, _CompiledFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _CompiledFinder(build_dir))
    return True


def compiled_modules() -> list[str]:
    """The modules of ``COMPILED`` imported so far that run compiled."""
    return [
        name
        for name in COMPILED
        if isinstance(
            getattr(sys.modules.get(name), "__loader__", None),
            importlib.machinery.ExtensionFileLoader,
        )
    ]


def build(build_dir: Path = BUILD_DIR) -> None:
    """Compile ``COMPILED`` with mypyc into ``build_dir`` (needs a C compiler and Python's
    headers; ``make install`` goes on without it when they are missing)."""
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    work = build_dir.parent
    fresh = work / (build_dir.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    sources = [str(_source(name).relative_to(SOURCE_ROOT)) for name in COMPILED]
    previous = Path.cwd()
    os.chdir(SOURCE_ROOT)  # mypyc names the modules from paths relative to here
    try:
        extensions = mypycify(sources, group_name=GROUP, target_dir=str(work / "mypyc-c"))
        setup(
            name="phiwatch-scan-native",
            ext_modules=extensions,
            script_args=[
                "--quiet",
                "build_ext",
                f"--build-lib={fresh}",
                f"--build-temp={work / 'mypyc-o'}",
            ],
        )
    finally:
        os.chdir(previous)
    for name in (*COMPILED, _library()):  # newer than the sources, as ``current`` asks
        _binary(name, fresh).touch()
    # Swapped in whole: a running process may have the old files mapped, and a library
    # rewritten in place under it would crash it (a removed one stays readable).
    shutil.rmtree(build_dir, ignore_errors=True)
    fresh.rename(build_dir)


install()  # on import: ``phiwatch.scan`` imports this module before any compiled one
