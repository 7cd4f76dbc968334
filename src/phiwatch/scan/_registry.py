"""Build the list of recognizers a scan runs, from a ``ScanConfig``.

Unknown names fail loudly (a typo in ``disable`` must not leave a
recognizer running that the operator meant to stop), and site patterns are
compiled here, so a bad regex in the file fails before any file is read.
"""

from __future__ import annotations

from phiwatch.errors import ConfigurationError
from phiwatch.scan._config import ScanConfig
from phiwatch.scan._pattern import Pattern
from phiwatch.scan._recognizer import Recognizer
from phiwatch.scan.recognizers import BUILTIN


def default_recognizer_names() -> tuple[str, ...]:
    return tuple(name for name, cls in BUILTIN.items() if cls.enabled_by_default)


def _check_names(names: tuple[str, ...], setting: str) -> None:
    unknown = sorted(set(names) - set(BUILTIN))
    if unknown:
        raise ConfigurationError(
            f"scan setting {setting!r}: unknown recognizer(s) {', '.join(unknown)}; "
            f"known: {', '.join(BUILTIN)}"
        )


def build_recognizers(config: ScanConfig | None = None) -> list[Recognizer]:
    """The recognizers ``config`` selects, in the built-in order, with site patterns added."""
    config = config or ScanConfig()
    base = config.recognizers if config.recognizers is not None else default_recognizer_names()
    _check_names(tuple(base), "recognizers")
    _check_names(config.enable, "enable")
    _check_names(config.disable, "disable")
    _check_names(tuple(p.recognizer for p in config.site_patterns), "site_patterns")
    sited = {site.recognizer for site in config.site_patterns}
    chosen = (set(base) | set(config.enable) | sited) - set(config.disable)
    extra: dict[str, list[Pattern]] = {}
    for site in config.site_patterns:
        extra.setdefault(site.recognizer, []).append(
            Pattern(
                site.name,
                site.regex,
                site.score,
                ignore_case=site.ignore_case,
                needs_context=site.needs_context,
            )
        )
    recognizers: list[Recognizer] = []
    for name, cls in BUILTIN.items():
        if name in chosen:
            recognizers.append(cls(patterns=[*cls.PATTERNS, *extra.get(name, [])]))
    return recognizers
