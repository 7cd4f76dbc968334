"""Each capability's public surface is exactly what its ``__all__`` says (as in httpx)."""

from __future__ import annotations

import ast
import importlib
import types

import pytest

from phiwatch._lazy import lazy_names
from tests.conftest import fresh_python

PACKAGES = [
    "phiwatch",
    "phiwatch.registry",
    "phiwatch.store",
    "phiwatch.scan",
    "phiwatch.monitor",
    "phiwatch.simulate",
    "phiwatch.security",
    "phiwatch.web",
    "phiwatch.notify",
    "phiwatch.respond",
]


# Packages that import their API on first use, and the modules each still loads at once.
_LAZY_PACKAGES = {
    "phiwatch.registry",
    "phiwatch.scan",
    "phiwatch.monitor",
    "phiwatch.simulate",
    "phiwatch.security",
    "phiwatch.notify",
    "phiwatch.respond",
}
_LOADED_AT_ONCE = {
    "phiwatch.scan": {"phiwatch.scan._native"},  # finds the compiled modules first
}

# Names a module may hold for its own typing, not as part of its surface.
_TYPING_NAMES = {"annotations", "Any", "TYPE_CHECKING"}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    """``__all__`` is exactly what the package defines or imports at once plus what it
    imports on first use (``phiwatch._lazy``), and every name in it resolves."""
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), f"{name}.__all__ repeats a name"
    lazy = lazy_names(name) if name in _LAZY_PACKAGES else frozenset()
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and attr not in _TYPING_NAMES
    }
    named = {attr for attr in exported if not attr.startswith("__")}  # __version__ is listed
    assert public | lazy == named, (
        f"public but not in __all__: {sorted((public | lazy) - named)}; "
        f"in __all__ but not defined: {sorted(named - public - lazy)}"
    )
    for attr in exported:
        assert getattr(module, attr, None) is not None, f"{name}.__all__ names missing {attr!r}"


@pytest.mark.parametrize("name", sorted(_LAZY_PACKAGES))
def test_a_name_a_lazy_package_lacks_is_an_attribute_error(name: str) -> None:
    module = importlib.import_module(name)
    with pytest.raises(AttributeError, match="not_a_name"):
        _ = module.not_a_name
    assert not hasattr(module, "not_a_name")


@pytest.mark.parametrize("name", sorted(_LAZY_PACKAGES))
def test_importing_a_capability_loads_none_of_its_modules(name: str) -> None:
    """In a fresh interpreter: naming the package costs nothing until a name is used."""
    probe = (
        "import sys, importlib\n"
        f"importlib.import_module({name!r})\n"
        f"print(sorted(m for m in sys.modules if m.startswith({name + '._'!r})))\n"
    )
    loaded = set(ast.literal_eval(fresh_python(probe)))
    assert loaded <= _LOADED_AT_ONCE.get(name, set()), sorted(loaded)
