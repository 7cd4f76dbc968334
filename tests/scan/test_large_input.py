"""Inputs over 1 GB stream through the scanner in bounded memory (slow: run with -m slow)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import io, json, resource
    from phiwatch.scan import Scanner

    BLOCK = (b"Routine operational text without identifiers, order 4821 ok. " * 1000)[:65000]
    BLOCK += b"\\nSSN 219-09-9998\\n"
    TOTAL = 1_100_000_000

    class Generated(io.RawIOBase):
        def __init__(self):
            self.left = TOTAL
            self.offset = 0
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.left <= 0:
                return 0
            n = min(len(buffer), self.left)
            view = memoryview(buffer)
            done = 0
            while done < n:
                start = (self.offset + done) % len(BLOCK)
                piece = BLOCK[start : start + (n - done)]
                view[done : done + len(piece)] = piece
                done += len(piece)
            self.offset += n
            self.left -= n
            return n

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stream = io.BufferedReader(Generated(), buffer_size=1 << 20)
    count = 0
    last_line = 0
    for finding in Scanner().scan_stream(stream):
        count += 1
        last_line = finding.line
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"findings": count, "last_line": last_line, "block": len(BLOCK),
                      "rss_growth_kib": after - before}))
    """
)


@pytest.mark.slow
def test_over_one_gigabyte_streams_in_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=900
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["findings"] == 1_100_000_000 // result["block"]
    assert result["last_line"] == 2 * result["findings"]
    assert result["rss_growth_kib"] < 200 * 1024  # chunks are 4 MiB; 200 MiB is generous
