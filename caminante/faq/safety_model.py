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
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from . import linear
from .linear import LinearModel

NONE = "none"
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "safety_model.npz"
C = 8.0  # the inverse of the regularisation strength
# The lowest probability of a sensitive kind, in one sentence window, that hands the message to a
# person (chosen by cross-validation for recall first; see docs/benchmarks.md).
THRESHOLD = 0.35


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # the most likely sensitive kind when its probability reaches the threshold
    probability: float  # that kind's probability in the window that decided
    window: str = ""


def read_examples(data: Path = DATA) -> list[tuple[str, str]]:
    """(text, kind) pairs from the shipped data: kind is a sensitive topic id or "none"."""
    from .safety import KINDS

    def kind_of(label: str) -> str:
        return label if label in KINDS else NONE

    examples: list[tuple[str, str]] = []
    for name, text_column in (("safety_training.tsv", 3), ("training.tsv", 2)):
        with (data / name).open(encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) > text_column and not row[0].startswith("#"):
                    examples.append((row[text_column], kind_of(row[0])))
    spec = yaml.safe_load((data / "topics.yaml").read_text(encoding="utf-8"))
    for topic in spec["topics"]:
        examples += [(example["text"], kind_of(topic["id"])) for example in topic.get("examples", [])]
    return examples


def fingerprint(examples: Sequence[tuple[str, str]]) -> str:
    """Identifies the training data (and the settings) a model was trained on."""
    digest = hashlib.sha256(json.dumps([linear.CHARS, linear.WORDS, C, list(examples)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def prepare(text: str) -> str:
    from .safety import sentences

    return " ".join(sentences(text))


def train(examples: Sequence[tuple[str, str]]) -> LinearModel:
    return linear.fit([prepare(t) for t, _ in examples], [k for _, k in examples], C, fingerprint(examples))


def verdict(model: LinearModel, text: str, threshold: float = THRESHOLD, exclude: Iterable[str] = ()) -> Verdict:
    """The most likely sensitive kind over the windows of the message (each sentence, each
    adjacent pair, the whole), unless it stays under the threshold. `exclude`: kinds a
    look-alike exception of the rules ruled out (a stolen passport is not trafficking)."""
    from .safety import _windows, sentences

    parts = sentences(text)
    windows = list(dict.fromkeys([*_windows(parts), " ".join(parts)])) or [""]
    probs = model.predict_proba(windows)
    for kind in (NONE, *exclude):
        if kind in model.classes:
            probs[:, model.classes.index(kind)] = 0.0
    row, column = np.unravel_index(int(np.argmax(probs)), probs.shape)
    best = float(probs[row, column])
    return Verdict(model.classes[column] if best >= threshold else None, best, windows[row])


# ---- the process's model ---------------------------------------------------------------------

_lock = threading.Lock()
_current: LinearModel | None = None


def retrained_path() -> Path | None:
    """Where the worker keeps the model retrained with reviewed inbox labels (None: not configured)."""
    root = os.environ.get("CAMINANTE_DATA_DIR")
    return Path(root) / "models" / "safety.npz" if root else None


def model() -> LinearModel:
    """The model retrained from inbox labels if there is one, else the shipped one."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                path = retrained_path()
                _current = LinearModel.load(path if path and path.exists() else SHIPPED)
    return _current


def use(trained: LinearModel | None) -> None:
    """Answer with this model from now on (None: load again at next use)."""
    global _current
    from .safety import assess

    with _lock:
        _current = trained
    assess.cache_clear()  # its answers came from the model before


def retrain(labels: Iterable[tuple[str, str]] = (), path: Path | None = None) -> LinearModel:
    """Train on the shipped examples plus (text, kind) labels reviewed by people, save, and use it."""
    trained = train([*read_examples(), *labels])
    target = path or retrained_path()
    if target is not None:
        trained.save(target)
    use(trained)
    return trained


def shipped_is_current() -> bool:
    """Was the shipped model trained on the shipped data as it is now?"""
    return LinearModel.load(SHIPPED).trained_on == fingerprint(read_examples())
