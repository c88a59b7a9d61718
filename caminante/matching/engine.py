"""Batch deduplication and linkage: blocking, EM training, vectorised scoring, clustering."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from caminante.matching.blocking import candidate_pairs, feature_keys, neighbour_pairs, sort_orders
from caminante.matching.compare import COMPARISONS, MISSING, compare, tf_value
from caminante.matching.model import LOG2E, Model, default_model
from caminante.matching.record import Features, Record, prepare

__all__ = ["DEFAULT_THRESHOLD", "Match", "dedupe", "link", "score_pairs"]

#: The engine's default decision threshold on the match probability (chosen once).
DEFAULT_THRESHOLD = 0.5
#: A pair below this probability keeps two clusters apart (no chaining through a third record).
CLUSTER_FLOOR = 0.1
#: An edge at or above this probability merges two clusters whatever their average (not the floor).
DIRECT_PAIR = 0.7


@dataclass(frozen=True, slots=True)
class Match:
    record_id_a: str
    record_id_b: str
    score: float


def _levels(
    feats_a: Sequence[Features], feats_b: Sequence[Features], pairs: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    out = np.empty((len(pairs), len(COMPARISONS)), dtype=np.int8)
    step = 65_536
    for start in range(0, len(pairs), step):
        chunk = pairs[start : start + step]
        out[start : start + len(chunk)] = [compare(feats_a[i], feats_b[j]) for i, j in chunk.tolist()]
    return out


def _tf_adjustments(model: Model, feats: Sequence[Features]) -> dict[int, npt.NDArray[np.float64]]:
    adj: dict[int, npt.NDArray[np.float64]] = {}
    for f, table in model.tf.items():
        u0 = model.u[f][0]
        once = table.get("", 0.0)
        values = np.empty(len(feats))
        for i, x in enumerate(feats):
            freq = table.get(tf_value(f, x), once)
            values[i] = max(-6.0, min(6.0, math.log2(u0 / freq))) if freq > 0 else 0.0
        adj[f] = values
    return adj


def score_pairs(
    model: Model,
    feats_a: Sequence[Features],
    feats_b: Sequence[Features],
    pairs: npt.NDArray[np.int64],
    levels: npt.NDArray[np.int8],
    population: int,
) -> npt.NDArray[np.float64]:
    """Match probability of each pair (vectorised form of `Model.probability`)."""
    s = np.full(len(pairs), model.prior_log2(population))
    weights = [np.array(model.m[f]) for f in range(len(COMPARISONS))]
    for f in range(len(COMPARISONS)):
        w = np.log2(np.maximum(weights[f], 1e-9)) - np.log2(np.maximum(np.array(model.u[f]), 1e-12))
        col = levels[:, f]
        s += np.where(col == MISSING, 0.0, w[np.maximum(col, 0)])
    tf_a = _tf_adjustments(model, feats_a)
    for f, adj in tf_a.items():
        tf_levels = np.array(sorted(COMPARISONS[f].tf_levels), dtype=np.int8)
        applies = np.isin(levels[:, f], tf_levels)
        s += np.where(applies, adj[pairs[:, 0]], 0.0)
    years_a = np.array([x.year for x in feats_a], dtype=np.int64)
    years_b = np.array([x.year for x in feats_b], dtype=np.int64)
    far = (levels[:, 2] == 5) & (np.abs(years_a[pairs[:, 0]] - years_b[pairs[:, 1]]) >= 5)
    household = ((levels[:, 0] >= 4) | far) & ~np.isin(levels[:, 5], (0, 1))
    s = np.where(household, np.minimum(s, model.household_cap), s)
    ca, cb = model.calibration
    s = ca * s + cb
    return 1.0 / (1.0 + np.exp(-np.clip(s / LOG2E, -60, 60)))


def cross_pairs(keys_a: Sequence[set[str]], keys_b: Sequence[set[str]]) -> npt.NDArray[np.int64]:
    """Pairs (i in a, j in b) sharing at least one blocking key, each once (no cap: one side
    is usually small, e.g. tracing requests)."""
    by_key: dict[str, list[int]] = {}
    for i, keys in enumerate(keys_a):
        for key in keys:
            by_key.setdefault(key, []).append(i)
    found: set[tuple[int, int]] = set()
    for j, keys in enumerate(keys_b):
        for key in keys:
            for i in by_key.get(key, ()):
                found.add((i, j))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.array(sorted(found), dtype=np.int64)


def _random_pairs(n_a: int, n_b: int, k: int, rng: np.random.Generator, same: bool) -> npt.NDArray[np.int64]:
    if n_a < 2 or n_b < 2:
        return np.zeros((0, 2), dtype=np.int64)
    i = rng.integers(0, n_a, size=k)
    j = rng.integers(0, n_b, size=k)
    if same:
        keep = i != j
        i, j = i[keep], j[keep]
    return np.stack([i, j], axis=1).astype(np.int64)


def _train(
    model: Model,
    feats_a: Sequence[Features],
    feats_b: Sequence[Features],
    pairs: npt.NDArray[np.int64],
    levels: npt.NDArray[np.int8],
    same: bool,
    seed: int = 0,
) -> Model:
    rng = np.random.default_rng(seed)
    sample = levels
    if len(levels) > 300_000:
        sample = levels[rng.choice(len(levels), size=300_000, replace=False)]
    rp = _random_pairs(len(feats_a), len(feats_b), 100_000, rng, same)
    random_levels = _levels(feats_a, feats_b, rp) if len(rp) else None
    n_records = len(feats_a) if same else len(feats_b)
    return model.train_em(sample, random_levels=random_levels, n_records=n_records, n_pairs=len(pairs))


def _cluster(
    n: int,
    pairs: npt.NDArray[np.int64],
    probs: npt.NDArray[np.float64],
    threshold: float,
    pair_prob: dict[tuple[int, int], float],
    probability: object,
    conflict: Callable[[int, int], bool] | None = None,
    vouches: Callable[[int, int], bool] | None = None,
) -> list[int]:
    """Greedy average-linkage clustering over edges at or above the threshold, strongest first.
    Two clusters merge only if the average probability across them is at or above the threshold
    (or the edge itself is at or above DIRECT_PAIR) and no pair across them is below CLUSTER_FLOOR
    (so twins never join through a third record)."""
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    if conflict is None:

        def always(i: int, j: int) -> bool:
            return True

        conflict = always

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def p_of(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        p = pair_prob.get(key)
        if p is None:
            p = probability(*key)  # type: ignore[operator]
            pair_prob[key] = p
        return p

    order = np.argsort(-probs, kind="stable")
    for k in order.tolist():
        if probs[k] < threshold:
            break
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        mi = members.get(ri, [ri])
        mj = members.get(rj, [rj])
        if len(mi) * len(mj) > 1:
            if len(mi) * len(mj) > 2500:
                continue
            total, ok = 0.0, True
            for x in mi:
                for y in mj:
                    p = p_of(x, y)
                    if p < CLUSTER_FLOOR and conflict(x, y) and not _bridged(x, y, mi, mj, vouches):
                        ok = False
                        break
                    total += p
                if not ok:
                    break
            # A pair strong on its own evidence joins its clusters even when a badly corrupted
            # third record of the same person pulls the average down; never across a conflict.
            if not ok or (total / (len(mi) * len(mj)) < threshold and probs[k] < DIRECT_PAIR):
                continue
        if len(mi) < len(mj):
            ri, rj, mi, mj = rj, ri, mj, mi
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
    return [find(x) for x in range(n)]


def _bridged(x: int, y: int, mi: list[int], mj: list[int], vouches: Callable[[int, int], bool] | None) -> bool:
    """A third record of the merged cluster vouches for both x and y (see `dedupe_features`)."""
    if vouches is None:
        return False
    return any(z != x and z != y and vouches(z, x) and vouches(z, y) for z in (*mi, *mj))


def dedupe(
    records: Sequence[Record],
    threshold: float = DEFAULT_THRESHOLD,
    model: Model | None = None,
    train: bool = False,
) -> list[Match]:
    """Pairs of records of the same person, each pair once, with its match probability.

    Records are clustered (`_cluster`: edges at or above the threshold, no chaining of relatives
    through a third record) and every pair of records in one cluster is returned, with the
    pair's own probability as its score: two heavily mistyped copies of one record may score
    below the threshold against each other while both clearly match the original."""
    feats = [prepare(r) for r in records]
    return dedupe_features(feats, threshold, model, train)


def dedupe_features(
    feats: Sequence[Features],
    threshold: float = DEFAULT_THRESHOLD,
    model: Model | None = None,
    train: bool = False,
) -> list[Match]:
    n = len(feats)
    model = (model or default_model()).with_frequencies(feats)
    pairs = candidate_pairs(
        (feature_keys(x) for x in feats), orders=sort_orders(feats), n_records=n, extra=neighbour_pairs(feats)
    )
    if not len(pairs):
        return []
    levels = _levels(feats, feats, pairs)
    if train:
        model = _train(model, feats, feats, pairs, levels, same=True)
    probs = score_pairs(model, feats, feats, pairs, levels, n)
    # Keep only pairs that can matter to the clustering (others are recomputed on demand).
    kept = probs >= CLUSTER_FLOOR
    pair_prob = {(a, b): p for (a, b), p in zip(pairs[kept].tolist(), probs[kept].tolist(), strict=True)}
    strong = probs >= threshold
    del levels, kept

    def probability(i: int, j: int) -> float:
        return model.probability(feats[i], feats[j], n)

    def relatives(i: int, j: int) -> bool:
        """The pair looks like two relatives (the household rule applies), not like two
        incomplete or mistyped records of one person."""
        a, b = feats[i], feats[j]
        lv = compare(a, b)
        if lv[5] in (0, 1):
            return False
        return lv[0] >= 4 or (lv[2] == 5 and abs(a.year - b.year) >= 5)

    def vouches(z: int, x: int) -> bool:
        """z is x on strong evidence of its own: the same identity number, or given names,
        family names and date of birth all agreeing (spelling or typing differences allowed, not
        a dropped or extra given name, which is how two siblings' names can both match a third).
        Two records that look like relatives (a replaced given name, another identity number)
        still join one cluster when a third record vouches for each of them; a vague third
        record (a given name or the date missing) never does, so twins are not chained."""
        if probability_cached(z, x) < DIRECT_PAIR:
            return False
        lv = compare(feats[z], feats[x])
        if lv[5] == 0:
            return True
        names = lv[0] in (0, 1, 3) and 0 <= lv[1] <= 4
        if names and (lv[2] in (0, 1, 2) or lv[5] == 1):
            return True
        # A replaced family name: the same given names, date of birth and place.
        return lv[0] in (0, 1) and lv[1] >= 0 and lv[2] == 0 and lv[7] in (0, 1)

    def probability_cached(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        p = pair_prob.get(key)
        if p is None:
            p = pair_prob[key] = probability(*key)
        return p

    roots = _cluster(n, pairs[strong], probs[strong], threshold, pair_prob, probability, relatives, vouches)
    by_root: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        by_root.setdefault(r, []).append(i)
    out: list[Match] = []
    for group in by_root.values():
        if len(group) < 2:
            continue
        group.sort()
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                i, j = group[x], group[y]
                p = pair_prob.get((i, j))
                if p is None:
                    p = probability(i, j)
                out.append(Match(feats[i].rid, feats[j].rid, p))
    return out


def link(
    left: Sequence[Record],
    right: Sequence[Record],
    threshold: float = DEFAULT_THRESHOLD,
    model: Model | None = None,
    train: bool = False,
) -> list[Match]:
    """Pairs (left record, right record) of the same person at or above the threshold (a
    tracing request against registrations: `left` the requests, `right` the registrations)."""
    fa = [prepare(r) for r in left]
    fb = [prepare(r) for r in right]
    return link_features(fa, fb, threshold, model, train)


def link_features(
    fa: Sequence[Features],
    fb: Sequence[Features],
    threshold: float = DEFAULT_THRESHOLD,
    model: Model | None = None,
    train: bool = False,
) -> list[Match]:
    model = (model or default_model()).with_frequencies(fb)
    pairs = cross_pairs([feature_keys(x) for x in fa], [feature_keys(x) for x in fb])
    extra = neighbour_pairs(fa, others=fb)
    if len(extra):
        pairs = np.unique(np.concatenate([pairs.reshape(-1, 2), extra]), axis=0)
    if not len(pairs):
        return []
    levels = _levels(fa, fb, pairs)
    if train:
        model = _train(model, fa, fb, pairs, levels, same=False)
    probs = score_pairs(model, fa, fb, pairs, levels, len(fb))
    keep = probs >= threshold
    return [
        Match(fa[i].rid, fb[j].rid, float(p))
        for (i, j), p in zip(pairs[keep].tolist(), probs[keep].tolist(), strict=True)
    ]
