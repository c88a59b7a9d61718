"""The safety layer's statistical half: a linear model that reads indirect and badly typed wording.

The rules (safety.py) are precise on the words they know; people at risk often write around them
("ya no quiero ser una carga", "me pidió que me quedara con él para ayudarme más rápido"). This
model is a multinomial logistic regression over character (2-5, within words) and word (1-2)
n-grams of the normalised text, trained with scikit-learn from the shipped examples
(data/safety_training.tsv, the paraphrases of data/training.tsv, the examples of data/topics.yaml)
and from the labels people give in the inbox. It reads every sentence, and each pair of adjacent
sentences, on its own, so a disclosure in the middle of a long message is not diluted.

Training happens offline (`caminante faq train-safety --shipped`, or the worker after inbox labels
are reviewed) and writes plain arrays (linear.py); answering only needs numpy.

The threshold is set by cross-validation on the training data (bench/safety/cv.py,
docs/benchmarks.md), biased to recall: a missed person at risk costs far more than an ordinary
question handed to a person.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import linear, topic_model
from .linear import LinearModel

NONE = "none"
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "safety_model.npz"
C = 8.0  # the inverse of the regularisation strength
# The lowest probability that the message is sensitive (1 - P(none)) that hands it to a person: on
# the whole message, and on one of its sentences read alone (which has lost its context). Chosen
# by cross-validation on the training data, recall first (bench/safety/cv.py, docs/benchmarks.md).
THRESHOLD = 0.5
WINDOW_THRESHOLD = 0.8
# Fewer words than this are the rules' alone: a reply such as "no" or "1" carries nothing for the
# model to read but its prior (which leans to the sensitive kinds: their classes are balanced).
MIN_WORDS = 3
# A kind that a look-alike exception of the rules ruled out counts only from this probability.
CLEARED_THRESHOLD = 0.9


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # the most likely sensitive kind there, when the message is sensitive
    probability: float  # the probability that the deciding window is sensitive (1 - P(none))
    window: str = ""


def kind_of(topic: str) -> str:
    """The safety model's class of an FAQ topic: a sensitive topic is its own kind, any other "none"."""
    from .safety import KINDS

    return topic if topic in KINDS else NONE


def read_examples(data: Path = DATA) -> list[tuple[str, str]]:
    """(text, kind) pairs from the shipped data: kind is a sensitive topic id or "none"."""
    examples: list[tuple[str, str]] = []
    with (data / "safety_training.tsv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) > 3 and not row[0].startswith("#"):
                examples.append((row[3], kind_of(row[0])))
    return examples + [(text, kind_of(topic)) for text, topic in topic_model.read_examples(data)]


def fingerprint(examples: Sequence[tuple[str, str]]) -> str:
    return linear.fingerprint(examples, C)


def train(examples: Sequence[tuple[str, str]]) -> LinearModel:
    return linear.train(examples, C)


prepare = linear.prepare


def verdict(
    model: LinearModel,
    text: str,
    threshold: float = THRESHOLD,
    exclude: Iterable[str] = (),
    window_threshold: float | None = None,
) -> Verdict:
    """Is the message sensitive (1 - P(none) of at least `threshold` on the whole message, or of
    at least `window_threshold` on one of its sentences or pairs of adjacent sentences)? Then the
    most likely kind there. A sentence read alone has lost its context ("my daughter of 5 is
    hungry"), hence the higher bar. `exclude`: kinds a look-alike exception of the rules ruled
    out (a stolen passport is not trafficking); they count only when the model is nearly sure
    (CLEARED_THRESHOLD: "he keeps my passport and says the police will deport me")."""
    from .safety import _windows, sentences

    parts = sentences(text)
    whole = " ".join(parts)
    windows = [whole, *(w for w in dict.fromkeys(_windows(parts)) if w != whole and len(w.split()) >= MIN_WORDS)]
    if len(whole.split()) < MIN_WORDS:
        return Verdict(None, 0.0, whole)
    probs = model.predict_proba(windows)
    probs[:, model.classes.index(NONE)] = 0.0
    for kind in exclude:
        if kind in model.classes:
            column = probs[:, model.classes.index(kind)]
            column[column < CLEARED_THRESHOLD] = 0.0
    sensitive = probs.sum(axis=1)
    bars = np.full(len(windows), WINDOW_THRESHOLD if window_threshold is None else window_threshold)
    bars[0] = threshold
    margin = sensitive - bars
    row = int(np.argmax(margin))
    kind = model.classes[int(np.argmax(probs[row]))]
    return Verdict(kind if margin[row] >= 0 else None, float(sensitive[row]), windows[row])


# ---- the process's model ---------------------------------------------------------------------


def _forget_assessments() -> None:
    from .safety import assess

    assess.cache_clear()  # its answers came from the model before


STORE = linear.Store(SHIPPED, "safety.npz", on_change=_forget_assessments)
model = STORE.get
use = STORE.use


def retrain(labels: Iterable[tuple[str, str]] = ()) -> LinearModel:
    """Train on the shipped examples plus (text, kind) labels reviewed by people; every process of
    this installation answers with it from its next message."""
    trained = train([*read_examples(), *labels])
    trained.extends = STORE.shipped_fingerprint()
    STORE.save_retrained(trained)
    return trained


def shipped_is_current() -> bool:
    """Was the shipped model trained on the shipped data as it is now?"""
    return STORE.shipped_fingerprint() == fingerprint(read_examples())
