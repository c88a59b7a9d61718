"""The FAQ engine's statistical layer: nearest paraphrases over character n-grams (pure Python).

Trained at first use from the shipped paraphrases (data/training.tsv) and the specification's
examples (data/topics.yaml): every message becomes a TF-IDF vector of the character 3- to 5-grams
of its normalised text (accents, case, stretched letters and slang already undone), so a
misspelling or an unknown inflection still shares most of its n-grams with a known phrasing.
A topic's score mixes the cosine similarity to its closest paraphrases (k nearest) and to its
centroid. `out_of_scope` is a class of its own, so a message close to known off-topic chatter is
not pulled towards the nearest service.

No scikit-learn: an inverted index (numpy arrays) of ~1,000 short messages answers in well under a
millisecond and trains in a fraction of a second, with a few MB of memory.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import yaml

from .normalize import tokens

OUT_OF_SCOPE = "out_of_scope"
NGRAMS = (3, 4)
K = 2  # nearest paraphrases per topic
CENTROID_WEIGHT = 0.35
OOS_WEIGHT = 1.0


def features(text: str) -> dict[str, float]:
    """Sublinear term frequencies of the character n-grams (and the words) of a message."""
    words = tokens(text)
    counts: dict[str, int] = defaultdict(int)
    padded = " " + " ".join(words) + " "
    for n in NGRAMS:
        for i in range(len(padded) - n + 1):
            counts[padded[i : i + n]] += 1
    for word in words:
        counts["w:" + word] += 1
    return {f: 1.0 + math.log(c) for f, c in counts.items()}


def load_examples(training_tsv: str, topics_yaml: str | None = None) -> list[tuple[str, str, str]]:
    """(topic, lang, text) rows of the training file, plus the specification's examples."""
    rows = []
    for line in training_tsv.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        topic, lang, text = line.split("\t", 2)
        rows.append((topic, lang, text.strip()))
    if topics_yaml:
        for item in yaml.safe_load(topics_yaml)["topics"]:
            rows.extend((item["id"], ex["lang"], ex["text"]) for ex in item.get("examples", []))
    return rows


class NgramModel:
    def __init__(self, examples: Iterable[tuple[str, str]]):
        docs = sorted(((topic, features(text)) for topic, text in examples), key=lambda d: d[0])
        docs = [(topic, feats) for topic, feats in docs if feats]
        n = len(docs)
        df: dict[str, int] = defaultdict(int)
        for _, feats in docs:
            for f in feats:
                df[f] += 1
        self.idf = {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}
        self.unseen_idf = math.log(n + 1) + 1.0
        self.column = {f: i for i, f in enumerate(sorted(self.idf))}
        self.topics: list[str] = sorted({topic for topic, _ in docs})
        topic_row = {topic: i for i, topic in enumerate(self.topics)}
        # Documents are sorted by topic: each topic owns one contiguous slice of the similarities.
        self.bounds: list[tuple[int, int]] = []
        postings: dict[int, list[tuple[int, float]]] = defaultdict(list)
        centroids = np.zeros((len(self.topics), len(self.column)), dtype=np.float32)
        for i, (topic, feats) in enumerate(docs):
            row = topic_row[topic]
            if len(self.bounds) <= row:
                self.bounds.append((i, i))
            self.bounds[row] = (self.bounds[row][0], i + 1)
            for f, w in self._weigh(feats).items():
                postings[self.column[f]].append((i, w))
                centroids[row, self.column[f]] += w
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids = np.ascontiguousarray((centroids / np.where(norms > 0, norms, 1.0)).T)
        self.n_docs = n
        self.post_docs = {c: np.array([i for i, _ in p], dtype=np.int32) for c, p in postings.items()}
        self.post_weights = {c: np.array([w for _, w in p], dtype=np.float32) for c, p in postings.items()}

    def _weigh(self, feats: dict[str, float]) -> dict[str, float]:
        """L2-normalised TF-IDF weights of the known features. An n-gram never seen in training
        counts in the norm with the highest IDF, so gibberish is far from everything."""
        vec = {f: tf * self.idf.get(f, self.unseen_idf) for f, tf in feats.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {f: w / norm for f, w in vec.items() if f in self.idf}

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Topics (out_of_scope included) by score in [0, 1], best first."""
        query = self._weigh(features(text))
        if not query:
            return []
        cols = [self.column[f] for f in query]
        weights = np.array(list(query.values()), dtype=np.float32)
        docs = np.concatenate([self.post_docs[c] for c in cols])
        contrib = np.concatenate([self.post_weights[c] * w for c, w in zip(cols, weights, strict=True)])
        sims = np.bincount(docs, weights=contrib, minlength=self.n_docs)
        cent = weights @ self.centroids[cols]
        scores = {}
        for row, (lo, hi) in enumerate(self.bounds):
            part = sims[lo:hi]
            top = np.partition(part, -K)[-K:] if len(part) > K else part
            if self.topics[row] == OUT_OF_SCOPE:
                # Off-topic chatter has no centre: its score is the closest example alone.
                score = OOS_WEIGHT * float(part.max())
            else:
                knn = float(top.sum()) / K
                score = (1 - CENTROID_WEIGHT) * knn + CENTROID_WEIGHT * float(cent[row])
            if score > 0:
                scores[self.topics[row]] = score
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def train_from(data: Path) -> NgramModel:
    rows = load_examples(
        (data / "training.tsv").read_text(encoding="utf-8"), (data / "topics.yaml").read_text(encoding="utf-8")
    )
    return NgramModel((topic, text) for topic, _, text in rows)
