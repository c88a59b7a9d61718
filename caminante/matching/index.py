"""Registration lookup: rank the possible existing registrations of a person being registered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from caminante.matching.blocking import feature_keys
from caminante.matching.compare import compare, tf_value
from caminante.matching.model import FieldExplanation, Model, default_model
from caminante.matching.record import Features, Record, prepare

__all__ = ["Candidate", "MatchIndex", "rank_candidates", "rank_features"]

#: Default population assumed by `rank_candidates` when the caller does not say how many
#: people the candidates were drawn from.
DEFAULT_POPULATION = 100_000
#: A blocking key shared by more registered people than this is too unspecific to fetch from
#: (a very common name without a date); the other keys of the probe still find its candidates.
LOOKUP_KEY_CAP = 2_000
#: At most this many candidates are scored per lookup (those sharing the most keys first).
LOOKUP_SCORE_CAP = 600


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible match: its record id, the calibrated probability that it is the same person,
    and why (one entry per field, see `FieldExplanation`)."""

    record_id: str
    probability: float
    explanation: list[FieldExplanation] = field(default_factory=list)


def _rank(
    model: Model, probe: Features, others: Iterable[Features], population: int, limit: int, min_probability: float
) -> list[Candidate]:
    scored: list[tuple[float, Features, tuple[int, ...]]] = []
    for other in others:
        if other.rid == probe.rid:
            continue
        levels = compare(probe, other)
        p = model.probability(probe, other, population, levels)
        if p >= min_probability:
            scored.append((p, other, levels))
    scored.sort(key=lambda t: (-t[0], t[1].rid))
    return [Candidate(o.rid, p, model.explain(probe, o, lv)) for p, o, lv in scored[:limit]]


def rank_features(
    probe: Features,
    others: Iterable[Features],
    limit: int = 10,
    *,
    model: Model | None = None,
    population: int | None = None,
    min_probability: float = 0.0,
) -> list[Candidate]:
    """`rank_candidates` for records already prepared (`record.prepare`), e.g. kept in a cache by
    a caller that looks up the same registered people again and again."""
    return _rank(model or default_model(), probe, others, population or DEFAULT_POPULATION, limit, min_probability)


def rank_candidates(
    probe: Record,
    others: Iterable[Record],
    limit: int = 10,
    *,
    model: Model | None = None,
    population: int | None = None,
    min_probability: float = 0.0,
) -> list[Candidate]:
    """Score an already-blocked candidate set (records sharing a `blocking_keys` key with the
    probe) and return the best `limit`, most probable first, with explanations.

    `population` is the number of people the candidates were drawn from (e.g. the National
    Society's registered people); the prior odds of a match shrink as it grows. `model` defaults
    to the untrained default parameters (pass a trained `Model.from_dict(...)` when there is one).
    """
    model = model or default_model()
    return _rank(
        model, prepare(probe), (prepare(o) for o in others), population or DEFAULT_POPULATION, limit, min_probability
    )


class MatchIndex:
    """An in-memory index of registered people for fast lookups (and a reference for the
    database-backed lookup, which stores `blocking_keys` per person)."""

    def __init__(self, model: Model | None = None) -> None:
        self._base = model or default_model()
        self._model = self._base
        self._features: list[Features | None] = []
        self._by_id: dict[str, int] = {}
        self._postings: dict[str, int | list[int]] = {}
        self._counts: dict[int, Counter[str]] = {0: Counter(), 1: Counter(), 7: Counter()}
        self._tf_size = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def add(self, record: Record) -> None:
        """Add (or replace) a record."""
        self.add_features(prepare(record))

    def add_features(self, x: Features) -> None:
        if x.rid in self._by_id:
            self.remove(x.rid)
        idx = len(self._features)
        self._features.append(x)
        self._by_id[x.rid] = idx
        postings = self._postings
        for key in feature_keys(x):
            cur = postings.get(key)
            if cur is None:
                postings[key] = idx
            elif isinstance(cur, int):
                postings[key] = [cur, idx]
            else:
                cur.append(idx)
        for f, counter in self._counts.items():
            v = tf_value(f, x)
            if v:
                counter[v] += 1

    def remove(self, record_id: str) -> None:
        """Remove a record (e.g. merged into another); its postings are dropped lazily."""
        idx = self._by_id.pop(record_id, None)
        if idx is None:
            return
        x = self._features[idx]
        self._features[idx] = None
        if x is not None:
            for f, counter in self._counts.items():
                v = tf_value(f, x)
                if v and counter[v] > 0:
                    counter[v] -= 1

    def _current_model(self) -> Model:
        n = len(self._by_id)
        if n >= self._base.tf_min_records and (not self._tf_size or abs(n - self._tf_size) > 0.1 * self._tf_size):
            self._model = self._base.with_counts({f: dict(c) for f, c in self._counts.items()}, n)
            self._tf_size = n
        return self._model

    def candidates(self, record: Record, limit: int = 10, min_probability: float = 0.01) -> list[Candidate]:
        """The most probable existing registrations of `record`, best first, with reasons."""
        probe = prepare(record)
        hits: Counter[int] = Counter()
        for key in feature_keys(probe):
            cur = self._postings.get(key)
            if cur is None:
                continue
            if isinstance(cur, int):
                hits[cur] += 1
            elif len(cur) <= LOOKUP_KEY_CAP:
                hits.update(cur)
        others = []
        for idx, _ in hits.most_common(LOOKUP_SCORE_CAP):
            x = self._features[idx]
            if x is not None:
                others.append(x)
        population = max(len(self._by_id), 1000)
        return _rank(self._current_model(), probe, others, population, limit, min_probability)
