"""Each capability's public surface is exactly what its ``__all__`` says (as in httpx)."""

from __future__ import annotations

import importlib
import types

import pytest

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


# Names a module may hold for its own typing, not as part of its surface.
_TYPING_NAMES = {"annotations", "Any", "TYPE_CHECKING"}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    """Nothing public is missing from ``__all__``, and everything in it resolves
    (some packages import lazily, through a module ``__getattr__``)."""
    module = importlib.import_module(name)
    exported = set(module.__all__)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and attr not in _TYPING_NAMES
    }
    assert public <= exported, f"public but not in __all__: {sorted(public - exported)}"
    for attr in exported:
        assert getattr(module, attr, None) is not None, f"{name}.__all__ names missing {attr!r}"
