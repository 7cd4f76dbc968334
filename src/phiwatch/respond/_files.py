"""Writing notice files all or nothing: a folder appears complete, or not at all.

Letters and mail-house files are written into a hidden folder beside the
target and renamed onto it at the end, so an error (a bad template, a full
disk) half-way through a million letters leaves no folder that looks done.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from phiwatch.errors import InputError


@contextmanager
def fresh_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``target`` when the block succeeds.

    ``target`` must not exist, or be an empty folder; it is never overwritten.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError("--out must name a new or empty folder", file=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield work
        if target.exists():
            target.rmdir()
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def write_file(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file and a rename (never a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    temporary.replace(path)
