"""Messages from editable Jinja2 templates: a subject, a plain-text body and an HTML body.

The built-in templates live in ``phiwatch/notify/templates``; a file of the
same name in ``notify_templates_dir`` replaces one. Templates receive only
what the policy allows: who (as ``notify_staff_names`` says), what (plain
words, never a diagnosis or a result), when and why. HTML is autoescaped;
text is not (it is not HTML).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from phiwatch.config import Settings

BUILT_IN = Path(__file__).parent / "templates"
KINDS = ("alert", "digest", "watch")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Renders the three parts of a message of one kind."""

    def __init__(self, settings: Settings) -> None:
        folders = [str(BUILT_IN)]
        if settings.notify_templates_dir is not None:
            folders.insert(0, str(settings.notify_templates_dir))
        loader = jinja2.FileSystemLoader(folders)
        self._html = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined
        )
        self._text = jinja2.Environment(
            loader=loader,
            autoescape=False,  # noqa: S701  # nosec B701 (plain text and subjects, never HTML)
            undefined=jinja2.StrictUndefined,
        )
        self._cache: dict[str, jinja2.Template] = {}

    def _template(self, name: str) -> jinja2.Template:
        if name not in self._cache:
            env = self._html if name.endswith(".html") else self._text
            self._cache[name] = env.get_template(name)
        return self._cache[name]

    def render(self, kind: str, context: dict[str, Any]) -> Rendered:
        subject = " ".join(self._template(f"{kind}_subject.txt").render(context).split())
        full = {**context, "subject": subject}
        return Rendered(
            subject=subject,
            text=self._template(f"{kind}.txt").render(full),
            html=self._template(f"{kind}.html").render(full),
        )
