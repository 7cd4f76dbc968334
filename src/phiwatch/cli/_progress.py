"""Progress bars for long work, on stderr, only when a person is watching."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def progress_over(items: Sequence[T], description: str, *, enabled: bool = True) -> Iterator[T]:
    """Yield ``items`` while showing a bar (only when stderr is a terminal and ``enabled``)."""
    if not enabled or not sys.stderr.isatty():
        yield from items
        return
    with make_progress() as progress:
        task = progress.add_task(description, total=len(items))
        for item in items:
            yield item
            progress.advance(task)


def make_progress(*, transient: bool = True) -> Progress:
    """A progress display for work measured in units (files, events, bytes)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=transient,
        disable=not sys.stderr.isatty(),
    )
