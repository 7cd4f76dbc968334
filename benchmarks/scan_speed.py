"""Scanner throughput on one core, side by side with Microsoft Presidio, same documents, same run.

Usage: .venv/bin/python benchmarks/scan_speed.py [--documents 900] [--bytes 300000]
       [--repeat 3]

Four set-ups scan the same documents one call per document, in this process:
phiwatch's identifier tier (every default recognizer but names), phiwatch
with names, Presidio regex-only (its predefined recognizers over a blank
spaCy pipeline) and Presidio's default set-up (spaCy small English model).
Two inputs: the labelled corpus as generated (dense PHI: one value every
~40 bytes) and its PHI-free documents alone (what most of a file share
looks like). Prints MB/s per set-up and input, the ratios, and a RESULT line;
"as one file" is the identifier tier over the same bytes in a single call,
without the per-document call overhead.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.corpus import build_corpus
from scan.peers import presidio_engine

from phiwatch.scan import ScanConfig, Scanner


def _take(documents: list[bytes], limit: int) -> list[bytes]:
    taken: list[bytes] = []
    size = 0
    for doc in documents:
        if size >= limit:
            break
        taken.append(doc)
        size += len(doc)
    return taken


def _presidio_runner(engine: Any) -> Callable[[bytes], object]:
    def run(doc: bytes) -> object:
        return engine.analyze(doc.decode("utf-8"), language="en")

    return run


def throughput(run: Callable[[bytes], object], documents: list[bytes], repeat: int) -> float:
    """Best MB/s over ``repeat`` passes (best, because other work shares the machine)."""
    size = sum(len(d) for d in documents)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for doc in documents:
            run(doc)
        best = min(best, time.perf_counter() - started)
    return size / 1e6 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=900)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--bytes", type=int, default=300_000, help="bytes per input")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")

    corpus = build_corpus(args.seed, args.documents)
    inputs = {
        "labelled corpus (dense PHI)": _take([bytes(d.data) for d in corpus], args.bytes),
        "PHI-free documents": _take(
            [bytes(d.data) for d in corpus if d.kind == "filler"], args.bytes
        ),
    }
    identifiers = Scanner(ScanConfig(disable=("person",)))
    with_names = Scanner(ScanConfig())
    setups: dict[str, Callable[[bytes], object]] = {
        "phiwatch identifiers": identifiers.scan_bytes,
        "phiwatch with names": with_names.scan_bytes,
    }
    for name, setup in (("presidio regex-only", "regex"), ("presidio default", "default")):
        engine = presidio_engine(setup)
        if engine is None:
            print(f"{name}: presidio-analyzer not installed; pip install -e '.[bench]'")
            continue
        setups[name] = _presidio_runner(engine)

    results: dict[tuple[str, str], float] = {}
    for input_name, documents in inputs.items():
        size = sum(len(d) for d in documents)
        print(f"\n{input_name}: {len(documents)} documents, {size:,} bytes")
        for setup_name, run in setups.items():
            repeat = args.repeat if setup_name.startswith("phiwatch") else 1
            results[(input_name, setup_name)] = speed = throughput(run, documents, repeat)
            print(f"  {setup_name:22} {speed:9.2f} MB/s")
        whole = b"".join(documents)
        joined = throughput(identifiers.scan_bytes, [whole], args.repeat)
        results[(input_name, "phiwatch identifiers, one call")] = joined
        print(f"  {'phiwatch identifiers, as one file':22} {joined:9.2f} MB/s")
        ours_ids = results[(input_name, "phiwatch identifiers")]
        ours_names = results[(input_name, "phiwatch with names")]
        if (input_name, "presidio regex-only") in results:
            ratio = ours_ids / results[(input_name, "presidio regex-only")]
            print(f"  identifiers vs presidio regex-only: {ratio:.0f}x")
        if (input_name, "presidio default") in results:
            ratio = ours_names / results[(input_name, "presidio default")]
            print(f"  with names vs presidio default:     {ratio:.0f}x")

    parts = []
    for input_name in inputs:
        short = "dense" if "dense" in input_name else "phi-free"
        ids = results[(input_name, "phiwatch identifiers")]
        names = results[(input_name, "phiwatch with names")]
        one = results[(input_name, "phiwatch identifiers, one call")]
        part = (
            f"{short}: identifiers {ids:.1f} MB/s ({one:.1f} as one file), "
            f"with names {names:.1f} MB/s"
        )
        if (input_name, "presidio regex-only") in results:
            part += f" ({ids / results[(input_name, 'presidio regex-only')]:.0f}x presidio regex"
            part += f", {names / results[(input_name, 'presidio default')]:.0f}x presidio default)"
        parts.append(part)
    print("\nRESULT scan_speed: " + "; ".join(parts))


if __name__ == "__main__":
    main()
