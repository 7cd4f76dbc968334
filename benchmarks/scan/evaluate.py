"""Score findings against the corpus labels: precision and recall per type.

A prediction is a true positive when it overlaps a labelled span of the
same type; a label is found when some prediction of its type overlaps it.
Overlap rather than exact span: "Dr. Miriam Salcido" and "Miriam Salcido"
name the same person, and the reviewer acts on either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Span = tuple[str, int, int]


@dataclass
class Scores:
    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    labelled: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)

    def add(self, labels: Sequence[Span], predictions: Iterable[Span]) -> None:
        predictions = list(predictions)
        for entity, start, end in predictions:
            self.predicted[entity] += 1
            if any(e == entity and s < end and start < t for e, s, t in labels):
                self.correct[entity] += 1
        for entity, start, end in labels:
            self.labelled[entity] += 1
            if any(e == entity and s < end and start < t for e, s, t in predictions):
                self.found[entity] += 1

    def precision(self, entity: str) -> float:
        return self.correct[entity] / self.predicted[entity] if self.predicted[entity] else 1.0

    def recall(self, entity: str) -> float:
        return self.found[entity] / self.labelled[entity] if self.labelled[entity] else 1.0

    def rows(self, entities: Iterable[str]) -> list[dict[str, object]]:
        return [
            {
                "type": entity,
                "labelled": self.labelled[entity],
                "predicted": self.predicted[entity],
                "precision": round(self.precision(entity), 4),
                "recall": round(self.recall(entity), 4),
            }
            for entity in entities
        ]
