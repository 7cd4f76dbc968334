"""The detector catalogue in docs/detectors.md, generated from the detector files.

Regenerate after changing a detector::

    python -m phiwatch.monitor._detect_catalogue docs/detectors.md

A test fails when the page and the files disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from phiwatch.monitor._detector_file import Detector, load_detectors

BEGIN = "<!-- catalogue: generated from the detector files; do not edit by hand -->"
END = "<!-- end of catalogue -->"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def catalogue(detectors: list[Detector]) -> str:
    """Markdown: a summary table, then one section per detector."""
    lines = [
        "| detector | category | level | score | status |",
        "|---|---|---|---|---|",
    ]
    for d in detectors:
        meta = d.metadata
        lines.append(
            f"| [{meta.title}](#{d.name}) | {d.category} | {meta.level} | "
            f"{meta.risk_score} | {meta.status} |"
        )
    for d in detectors:
        meta = d.metadata
        lines += [
            "",
            f"### {d.name}",
            "",
            f"**{meta.title}**: `{d.category}/{d.name}.toml`, id `{meta.id}`, "
            f"{meta.level} ({meta.risk_score}), {meta.status}, modified {meta.modified}.",
            "",
            _one_line(meta.description),
            "",
            f"- Tags: {', '.join(f'`{t}`' for t in meta.tags)}",
            f"- False positives: {' '.join(_one_line(f) for f in meta.falsepositives)}",
        ]
        if meta.note:
            lines.append(f"- {_one_line(meta.note)}")
        if d.params:
            settings = ", ".join(f"`{k}` = {v!r}" for k, v in d.params.items())
            lines.append(f"- Parameters: {settings}")
        lines.append(f'- Alert: "{_one_line(d.rule.sentence.replace(chr(92), ""))}"')
    return "\n".join(lines) + "\n"


def render_page(page: str, detectors: list[Detector] | None = None) -> str:
    """``page`` with the text between the catalogue markers replaced by a fresh catalogue."""
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    body = catalogue(detectors if detectors is not None else load_detectors())
    return f"{head}{BEGIN}\n\n{body}\n{END}{tail}"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(render_page(target.read_text(encoding="utf-8")), encoding="utf-8")
