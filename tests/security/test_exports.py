"""The packages' public surface is exactly ``__all__``, and every name in it resolves."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["phiwatch.security", "phiwatch.web"])
def test_all_names_resolve(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert len(set(module.__all__)) == len(module.__all__)


def test_lazy_names_are_all_exported() -> None:
    import phiwatch.security as security

    assert set(security._LAZY) <= set(security.__all__)
    with pytest.raises(AttributeError):
        _ = security.not_a_name
