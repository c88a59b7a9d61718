"""A linear text classifier trained with scikit-learn and answered with numpy alone.

Multinomial logistic regression over TF-IDF character (2-5, within words: scikit-learn's
"char_wb") and word (1-2) n-grams, each part l2-normalised, as scikit-learn's FeatureUnion of
two TfidfVectorizers. `fit` uses scikit-learn (imported there only); the fitted model is kept as
plain arrays (vocabularies, idf, weights) saved in an .npz, so answering needs neither the import
nor the fit, which together cost several seconds per process, and the assistant must start in
under 2 s. tests/test_safety_model.py checks the probabilities against scikit-learn's.
"""

import hashlib
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

CHARS = (2, 5)
WORDS = (1, 2)
_WORD = re.compile(r"\w+")


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's "char_wb" analyser: n-grams inside each word padded with one space."""
    grams = []
    for word in text.split():
        padded = f" {word} "
        for n in range(CHARS[0], CHARS[1] + 1):
            if n >= len(padded):
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def word_ngrams(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [" ".join(words[i : i + n]) for n in range(WORDS[0], WORDS[1] + 1) for i in range(len(words) - n + 1)]


class LinearModel:
    """Plain arrays: the n-gram vocabularies, their idf, one weight column per class."""

    def __init__(
        self,
        classes: Sequence[str],
        vocabularies: list[dict[str, int]],
        idfs: list[np.ndarray],
        coef: np.ndarray,
        intercept: np.ndarray,
        trained_on: str,
        extends: str = "",
    ):
        self.classes: list[str] = list(classes)
        self.vocabularies = vocabularies  # characters, then words
        self.idfs = idfs
        self.coef = coef  # (features of both vocabularies, classes)
        self.intercept = intercept
        self.trained_on = trained_on  # the fingerprint of its training data
        self.extends = extends  # retrained with people's labels: the shipped model it extends
        self._offset = len(vocabularies[0])

    # ---- answering -----------------------------------------------------------------------------

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The sparse TF-IDF row (indices, values): sublinear tf, each vocabulary l2-normalised."""
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for part, grams in enumerate((char_ngrams(text), word_ngrams(text))):
            vocabulary = self.vocabularies[part]
            counts = Counter(vocabulary[g] for g in grams if g in vocabulary)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            weights = tf * self.idfs[part][idx]
            weights /= np.linalg.norm(weights)
            indices.append(idx + (self._offset if part else 0))
            values.append(weights)
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities for already prepared (normalised) texts, one row each."""
        scores = np.tile(self.intercept, (len(texts), 1))
        for row, text in enumerate(texts):
            idx, val = self._vector(text)
            if len(idx):
                scores[row] += val @ self.coef[idx]
        scores -= scores.max(axis=1, keepdims=True)
        exp: np.ndarray = np.exp(scores)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    # ---- storage -------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            meta=np.array(
                json.dumps({"classes": self.classes, "trained_on": self.trained_on, "extends": self.extends})
            ),
            chars=np.array(sorted(self.vocabularies[0], key=self.vocabularies[0].__getitem__)),
            words=np.array(sorted(self.vocabularies[1], key=self.vocabularies[1].__getitem__)),
            idf_chars=self.idfs[0],
            idf_words=self.idfs[1],
            coef=self.coef.astype(np.float32),
            intercept=self.intercept,
        )
        os.replace(tmp, path)  # readers never see half a file

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            vocabularies = [{str(g): i for i, g in enumerate(data[name])} for name in ("chars", "words")]
            return cls(
                meta["classes"],
                vocabularies,
                [data["idf_chars"], data["idf_words"]],
                data["coef"].astype(np.float64),
                data["intercept"],
                meta["trained_on"],
                meta.get("extends", ""),
            )


def prepare(text: str) -> str:
    """What a model reads: the message normalised as the safety layer reads it, sentence by sentence."""
    from .safety import sentences

    return " ".join(sentences(text))


def fingerprint(examples: Sequence[tuple[str, str]], c: float) -> str:
    """Identifies the training data (and the settings) a model was trained on."""
    digest = hashlib.sha256(json.dumps([CHARS, WORDS, c, list(examples)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def train(examples: Sequence[tuple[str, str]], c: float) -> LinearModel:
    """Fit on (text, label) pairs, their fingerprint kept in the model."""
    return fit([prepare(text) for text, _ in examples], [label for _, label in examples], c, fingerprint(examples, c))


def fit(texts: Sequence[str], labels: Sequence[str], c: float, trained_on: str) -> LinearModel:
    """Fit with scikit-learn on prepared (normalised) texts and keep the arrays."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHARS, sublinear_tf=True, min_df=2, lowercase=False)
    words = TfidfVectorizer(
        analyzer="word", ngram_range=WORDS, sublinear_tf=True, token_pattern=r"\w+", lowercase=False
    )
    union = FeatureUnion([("chars", chars), ("words", words)])
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    classifier.fit(union.fit_transform(list(texts)), list(labels))
    return LinearModel(
        [str(label) for label in classifier.classes_],
        [{str(g): int(i) for g, i in v.vocabulary_.items()} for v in (chars, words)],
        [chars.idf_, words.idf_],
        classifier.coef_.T.copy(),
        classifier.intercept_.copy(),
        trained_on,
    )


class Store:
    """A process's copy of one model: the one the worker retrained with people's reviewed labels
    (CAMINANTE_DATA_DIR/models/NAME) when it extends the shipped model of this release, else the
    shipped one. A newer retrained file is picked up at the next use, in every process."""

    def __init__(self, shipped: Path, name: str, on_change: Callable[[], None] = lambda: None):
        self.shipped = shipped
        self.name = name
        self.on_change = on_change
        self._lock = threading.Lock()
        self._model: LinearModel | None = None
        self._stamp: int | None = None

    def retrained_path(self) -> Path | None:
        root = os.environ.get("CAMINANTE_DATA_DIR")
        return Path(root) / "models" / self.name if root else None

    def _file_stamp(self) -> int | None:
        path = self.retrained_path()
        try:
            return path.stat().st_mtime_ns if path else None
        except OSError:
            return None

    def get(self) -> LinearModel:
        stamp = self._file_stamp()
        if self._model is None or stamp != self._stamp:
            with self._lock:
                shipped = LinearModel.load(self.shipped)
                path = self.retrained_path()
                model = shipped
                if stamp is not None and path is not None:
                    retrained = LinearModel.load(path)
                    model = retrained if retrained.extends == shipped.trained_on else shipped
                self._model, self._stamp = model, stamp
            self.on_change()
        assert self._model is not None
        return self._model

    def use(self, model: LinearModel | None) -> None:
        """Answer with this model from now on (None: load again at next use)."""
        with self._lock:
            self._model, self._stamp = model, self._file_stamp()
        self.on_change()

    def save_retrained(self, model: LinearModel) -> None:
        """Keep a model retrained with labels for every process of this installation, and use it."""
        path = self.retrained_path()
        if path is not None:
            model.save(path)
        self.use(model)

    def shipped_fingerprint(self) -> str:
        return LinearModel.load(self.shipped).trained_on
