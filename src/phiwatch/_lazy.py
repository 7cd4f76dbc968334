"""Packages whose public names are imported on first use (PEP 562).

A capability's ``__init__`` re-exports its API from private modules. Imported
eagerly, that drags DuckDB, pyarrow, SQLAlchemy and the rest into every
command that merely names the package, ``--help`` included (about two
seconds). So each package lists its re-exports once, as ordinary ``from ...
import ...`` statements under ``if TYPE_CHECKING:`` (which type checkers and
readers see as plain imports), and sets ``__getattr__ = _lazy.module_getattr(__name__, __file__)``:
that reads the same block from the package's source and imports a name's
module the first time the name is asked for. One list, so the lazy table
cannot drift from what type checkers see.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from importlib.util import resolve_name
from pathlib import Path
from typing import Any


def _type_checking_imports(source: str, package: str) -> dict[str, tuple[str, str]]:
    """Exported name -> (module, name in that module), from top-level ``if TYPE_CHECKING:``."""
    table: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.ImportFrom) or statement.module is None:
                continue
            module = resolve_name("." * statement.level + statement.module, package)
            for alias in statement.names:
                table[alias.asname or alias.name] = (module, alias.name)
    return table


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def lazy_names(package: str) -> frozenset[str]:
    """The names ``package`` imports on first use (for tests of its public surface)."""
    module = sys.modules.get(package) or importlib.import_module(package)
    source = Path(str(module.__file__)).read_text(encoding="utf-8")
    return frozenset(_type_checking_imports(source, package))


def module_getattr(package: str, init_file: str) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``, whose ``__init__`` is at ``init_file``.

    A name found is stored in the package's namespace, so each is looked up
    through here only once.
    """
    table = _type_checking_imports(Path(init_file).read_text(encoding="utf-8"), package)

    def __getattr__(name: str) -> Any:
        try:
            module, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attribute)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
