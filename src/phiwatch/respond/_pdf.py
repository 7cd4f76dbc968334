"""HTML to PDF with WeasyPrint: letters, proofs, the mail-house template, the HHS report.

WeasyPrint lays out HTML and CSS (paged media: page size, margins, page
breaks) without a browser, so the PDF a privacy officer proofs is the one the
mail house prints. It is imported on first use: it loads Pango and fonts,
which the commands that make no PDF never need.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from phiwatch.errors import ConfigurationError


@lru_cache(maxsize=1)
def _weasyprint() -> Any:
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: Pango missing from the system
        raise ConfigurationError(
            f"PDF output needs WeasyPrint and the Pango library: {exc}"
        ) from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """One PDF document from one HTML document (pages break where its CSS says)."""
    document: bytes = _weasyprint().HTML(string=html, base_url=None).write_pdf()
    return document
