"""The topic layer's linear model: which FAQ topic a message asks about, when the patterns are unsure.

The same model as the safety layer's (linear.py: logistic regression over character and word
n-grams, trained with scikit-learn, answered with numpy), over the topics of data/topics.yaml plus
`out_of_scope`, trained on the shipped paraphrases (data/training.tsv), the specification's
examples and, once reviewed by an FAQ editor, the topics people chose in the inbox for the
conversations handed to them. Chosen over the n-gram neighbours by measurement (docs/benchmarks.md).
It never escalates: deciding that a person must see a message is the safety layer's job.
"""

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import yaml

from . import linear
from .linear import LinearModel

OUT_OF_SCOPE = "out_of_scope"  # a message the assistant must not answer

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "topic_model.npz"
C = 8.0


def read_examples(data: Path = DATA) -> list[tuple[str, str]]:
    """(text, topic) pairs: the paraphrases and the specification's examples."""
    examples: list[tuple[str, str]] = []
    with (data / "training.tsv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 3 and not row[0].startswith("#"):
                examples.append((row[2], row[0]))
    spec = yaml.safe_load((data / "topics.yaml").read_text(encoding="utf-8"))
    for topic in spec["topics"]:
        examples += [(example["text"], topic["id"]) for example in topic.get("examples", [])]
    return examples


def fingerprint(examples: Sequence[tuple[str, str]]) -> str:
    return linear.fingerprint(examples, C)


def train(examples: Sequence[tuple[str, str]]) -> LinearModel:
    return linear.train(examples, C)


prepare = linear.prepare


STORE = linear.Store(SHIPPED, "topics.npz")
model = STORE.get
use = STORE.use


def guess(text: str, exclude: Iterable[str] = ()) -> tuple[str | None, float, list[tuple[str, float]]]:
    """The most likely topic (None: out of scope), its probability, and the three best."""
    current = model()
    probs = current.predict_proba([prepare(text)])[0]
    for topic in exclude:
        if topic in current.classes:
            probs[current.classes.index(topic)] = 0.0
    order = np.argsort(-probs)[:3]
    ranking = [(current.classes[i], float(probs[i])) for i in order]
    best, probability = ranking[0]
    return (None if best == OUT_OF_SCOPE else best), probability, ranking


def retrain(labels: Iterable[tuple[str, str]] = ()) -> LinearModel:
    """Train on the shipped examples plus (text, topic) labels reviewed by an FAQ editor."""
    trained = train([*read_examples(), *labels])
    trained.extends = STORE.shipped_fingerprint()
    STORE.save_retrained(trained)
    return trained


def shipped_is_current() -> bool:
    return STORE.shipped_fingerprint() == fingerprint(read_examples())
