"""Fellegi-Sunter scoring: per-level m/u probabilities, term-frequency adjustment, household
rules, calibration; EM training without labels and updating from reviewers' decisions."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from caminante.matching.compare import COMPARISONS, MISSING, compare, tf_value
from caminante.matching.record import Features, Record, prepare

__all__ = ["DEFAULT_MODEL", "FieldExplanation", "Model", "default_model"]

LOG2E = 1.0 / math.log(2.0)

# Default m (probability of the level for two records of the same person) and u (for two
# records of different people), per field and level, in the order of `COMPARISONS`.
_DEFAULT_M: tuple[tuple[float, ...], ...] = (
    (0.78, 0.06, 0.09, 0.05, 0.012, 0.008),  # given names
    (0.74, 0.07, 0.03, 0.09, 0.05, 0.012, 0.008),  # family names
    (0.78, 0.03, 0.07, 0.05, 0.05, 0.02),  # birth date
    (0.98, 0.02),  # sex
    (0.55, 0.05, 0.40),  # phone (people change SIM cards at every border)
    (0.93, 0.05, 0.02),  # document
    (0.97, 0.03),  # nationality
    (0.75, 0.10, 0.15),  # place of origin
)
_DEFAULT_U: tuple[tuple[float, ...], ...] = (
    (0.01, 0.002, 0.012, 0.004, 0.03, 0.942),
    (0.0015, 0.0004, 0.0002, 0.002, 0.001, 0.03, 0.9649),
    (0.00006, 0.00006, 0.004, 0.02, 0.09, 0.88588),
    (0.5, 0.5),
    (0.0005, 0.0005, 0.999),
    (0.000001, 0.0001, 0.999899),
    (0.8, 0.2),
    (0.05, 0.02, 0.93),
)

_GIVEN, _FAMILY, _BIRTH, _SEX, _PHONE, _DOC, _NAT, _PLACE = range(8)


@dataclass(frozen=True, slots=True)
class FieldExplanation:
    """Why a pair scored as it did, for one field: `level` is agrees / partial / differs /
    missing, `weight` the evidence in bits (log2 of the likelihood ratio, 0 when missing)."""

    field: str
    level: str
    weight: float
    detail: str


@dataclass(frozen=True)
class Model:
    """A Fellegi-Sunter model. Immutable: training returns a new model.

    `match_rate` is the expected number of other records of the same person per record (so the
    prior odds of a match between two records is about `match_rate / population`).
    `household_cap` bounds the log2-odds of a pair whose given names clearly differ or whose
    birth years are five or more years apart (twins, siblings, parent and child share family
    names, phone, place and sometimes the date of birth), unless the document number agrees.
    `calibration` (a, b) maps log-odds s to a*s + b (fitted on reviewers' decisions).
    """

    m: tuple[tuple[float, ...], ...] = _DEFAULT_M
    u: tuple[tuple[float, ...], ...] = _DEFAULT_U
    match_rate: float = 0.5
    household_cap: float = -4.5
    calibration: tuple[float, float] = (1.0, 0.0)
    tf_min_records: int = 1000
    tf: dict[int, dict[str, float]] = field(default_factory=dict, compare=False, repr=False)
    _w: tuple[tuple[float, ...], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        weights = tuple(
            tuple(math.log2(max(mm, 1e-9) / max(uu, 1e-12)) for mm, uu in zip(ms, us, strict=True))
            for ms, us in zip(self.m, self.u, strict=True)
        )
        object.__setattr__(self, "_w", weights)

    # ---- scoring -------------------------------------------------------------------------

    def prior_log2(self, population: int) -> float:
        """Log2 prior odds that two records chosen at random from `population` match."""
        p = min(self.match_rate / max(population, 2), 0.5)
        return math.log2(p / (1.0 - p))

    def _tf_adjust(self, f: int, level: int, a: Features) -> float:
        table = self.tf.get(f)
        if not table:
            return 0.0
        freq = table.get(tf_value(f, a))
        if freq is None:
            freq = table.get("", 0.0)  # frequency of a value seen once
        if freq <= 0.0:
            return 0.0
        # Relative to the average chance that two random records agree on the field (u of
        # the exact level): a name more common than average weighs less, a rarer one more.
        adj = math.log2(self.u[f][0] / freq)
        return max(-6.0, min(6.0, adj))

    def log2_odds(self, a: Features, b: Features, population: int, levels: Sequence[int] | None = None) -> float:
        """Calibrated log2 odds that a and b are the same person."""
        if levels is None:
            levels = compare(a, b)
        s = self.prior_log2(population)
        w = self._w
        for f, level in enumerate(levels):
            if level != MISSING:
                s += w[f][level]
                if level in COMPARISONS[f].tf_levels:
                    s += self._tf_adjust(f, level, a)
        s = self._household(levels, a, b, s)
        ca, cb = self.calibration
        return ca * s + cb

    def _household(self, levels: Sequence[int], a: Features, b: Features, s: float) -> float:
        if levels[_DOC] in (0, 1):
            return s
        if levels[_GIVEN] >= 4 or (levels[_BIRTH] == 5 and abs(a.year - b.year) >= 5):
            return min(s, self.household_cap)
        return s

    def probability(self, a: Features, b: Features, population: int, levels: Sequence[int] | None = None) -> float:
        s = self.log2_odds(a, b, population, levels) / LOG2E
        if s >= 0:
            return 1.0 / (1.0 + math.exp(-s))
        e = math.exp(s)
        return e / (1.0 + e)

    def explain(self, a: Features, b: Features, levels: Sequence[int] | None = None) -> list[FieldExplanation]:
        """Per-field explanation of a pair (before the prior and household rules)."""
        if levels is None:
            levels = compare(a, b)
        out = []
        for f, level in enumerate(levels):
            comp = COMPARISONS[f]
            if level == MISSING:
                out.append(FieldExplanation(comp.field, "missing", 0.0, f"{comp.field.replace('_', ' ')} missing"))
                continue
            lv = comp.levels[level]
            weight = self._w[f][level]
            detail = lv.label
            if level in comp.tf_levels:
                adj = self._tf_adjust(f, level, a)
                weight += adj
                if adj <= -1.0:
                    detail += " (a common name)" if f < 2 else " (common)"
                elif adj >= 1.0:
                    detail += " (a rare name)" if f < 2 else " (rare)"
            out.append(FieldExplanation(comp.field, lv.kind, round(weight, 2), detail))
        if levels[_DOC] not in (0, 1) and (levels[_GIVEN] >= 4 or (levels[_BIRTH] == 5 and abs(a.year - b.year) >= 5)):
            out.append(
                FieldExplanation(
                    "household",
                    "differs",
                    0.0,
                    "looks like a relative (sibling, twin, parent or child), not the same person",
                )
            )
        return out

    # ---- term frequencies ----------------------------------------------------------------

    def with_frequencies(self, features: Iterable[Features]) -> Model:
        """A copy whose name and place agreements are weighted by how common the value is in
        `features` (a common name like José González counts for less than a rare one)."""
        counters: dict[int, Counter[str]] = {_GIVEN: Counter(), _FAMILY: Counter(), _PLACE: Counter()}
        n = 0
        for x in features:
            n += 1
            for f, counter in counters.items():
                v = tf_value(f, x)
                if v:
                    counter[v] += 1
        return self.with_counts({f: dict(c) for f, c in counters.items()}, n)

    def with_counts(self, counts: dict[int, dict[str, int]], n_records: int) -> Model:
        """Like `with_frequencies` from precomputed counts: field index (0 given names,
        1 family names, 7 place) -> value (as `compare.tf_value` gives it) -> count."""
        if n_records < self.tf_min_records:
            return replace(self, tf={})
        tf: dict[int, dict[str, float]] = {}
        for f, counter in counts.items():
            total = sum(counter.values())
            if not total:
                continue
            # Keep only values frequent enough to matter; the rest share the frequency of a
            # value seen once.
            table = {v: c / total for v, c in counter.items() if c >= 3}
            table[""] = 1.0 / total
            tf[f] = table
        return replace(self, tf=tf)

    # ---- training ------------------------------------------------------------------------

    def train_em(
        self,
        levels: npt.NDArray[np.int8],
        *,
        random_levels: npt.NDArray[np.int8] | None = None,
        n_records: int | None = None,
        n_pairs: int | None = None,
        iterations: int = 25,
        prior_strength: float = 200.0,
    ) -> Model:
        """Expectation-maximisation without labels on comparison levels of candidate pairs
        (rows: pairs, columns: fields, -1 missing). m is estimated by EM (with the current
        values as a Dirichlet prior of `prior_strength` pairs, so a field with little signal
        stays near its default); u is taken from `random_levels` (levels of random pairs) when
        given. With `n_records` and `n_pairs` (all candidate pairs) the match rate is updated."""
        x = np.asarray(levels, dtype=np.int8)
        if x.ndim != 2 or x.shape[0] < 50:
            return self
        n_fields = len(COMPARISONS)
        m = [np.array(v, dtype=np.float64) for v in self.m]
        u = [np.array(v, dtype=np.float64) for v in self.u]
        if random_levels is not None and len(random_levels) >= 1000:
            u = [_level_freq(random_levels[:, f], len(u[f]), u[f], prior_strength) for f in range(n_fields)]
        lam = 0.1
        masks = [x[:, f] >= 0 for f in range(n_fields)]
        for _ in range(iterations):
            logit = np.full(x.shape[0], math.log(lam / (1 - lam)))
            for f in range(n_fields):
                w = np.log(m[f]) - np.log(u[f])
                col = x[:, f]
                logit += np.where(masks[f], w[np.maximum(col, 0)], 0.0)
            gamma = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
            lam = float(np.clip(gamma.mean(), 1e-6, 1 - 1e-6))
            for f in range(n_fields):
                col = x[masks[f], f]
                g = gamma[masks[f]]
                counts = np.bincount(col, weights=g, minlength=len(m[f]))
                prior = np.array(self.m[f]) * prior_strength
                m[f] = (counts + prior) / (counts.sum() + prior_strength)
        new = replace(
            self,
            m=tuple(tuple(float(v) for v in mf) for mf in m),
            u=tuple(tuple(float(v) for v in uf) for uf in u),
        )
        if n_records and n_pairs:
            rate = 2.0 * lam * n_pairs / n_records
            new = replace(new, match_rate=float(min(max(rate, 0.01), 5.0)))
        return new

    def update_from_labels(self, pairs: Iterable[tuple[Record, Record, bool]], strength: float = 100.0) -> Model:
        """Learn from reviewers' decisions ("same" / "not the same").

        m is updated from the pairs judged the same (a Bayesian update with the current m as a
        prior worth `strength` pairs); when there are at least 10 decisions of each kind, a
        logistic calibration of the log-odds is fitted on all of them."""
        rows: list[tuple[tuple[int, ...], Features, Features, bool]] = []
        for ra, rb, same in pairs:
            fa, fb = prepare(ra), prepare(rb)
            rows.append((compare(fa, fb), fa, fb, bool(same)))
        if not rows:
            return self
        m = []
        for f, mf in enumerate(self.m):
            counts = np.zeros(len(mf))
            for lv, _, _, same in rows:
                if same and lv[f] != MISSING:
                    counts[lv[f]] += 1
            prior = np.array(mf) * strength
            m.append(tuple(float(v) for v in (counts + prior) / (counts.sum() + strength)))
        new = replace(self, m=tuple(m), calibration=(1.0, 0.0))
        n_same = sum(1 for r in rows if r[3])
        if n_same >= 10 and len(rows) - n_same >= 10:
            population = 10_000
            s = np.array([new.log2_odds(fa, fb, population, lv) / LOG2E for lv, fa, fb, _ in rows])
            y = np.array([1.0 if r[3] else 0.0 for r in rows])
            a, b = _fit_logistic(s, y)
            new = replace(new, calibration=(a, b * LOG2E))
        return new

    # ---- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (term frequencies excluded: rebuild them from the data)."""
        return {
            "version": 1,
            "m": [list(v) for v in self.m],
            "u": [list(v) for v in self.u],
            "match_rate": self.match_rate,
            "household_cap": self.household_cap,
            "calibration": list(self.calibration),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        return cls(
            m=tuple(tuple(float(x) for x in v) for v in data["m"]),
            u=tuple(tuple(float(x) for x in v) for v in data["u"]),
            match_rate=float(data.get("match_rate", 0.5)),
            household_cap=float(data.get("household_cap", -4.5)),
            calibration=(float(data["calibration"][0]), float(data["calibration"][1])),
        )


def _level_freq(
    col: npt.NDArray[np.int8], n_levels: int, prior: npt.NDArray[np.float64], strength: float
) -> npt.NDArray[np.float64]:
    col = col[col >= 0]
    counts = np.bincount(col, minlength=n_levels).astype(np.float64)
    out: npt.NDArray[np.float64] = (counts + prior * strength) / (counts.sum() + strength)
    return out


def _fit_logistic(s: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Platt scaling: p = sigmoid(a*s + b), by Newton's method with a weak ridge toward (1, 0)."""
    a, b = 1.0, 0.0
    for _ in range(50):
        z = np.clip(a * s + b, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        r = p - y
        ga = float((r * s).sum() + 0.1 * (a - 1.0))
        gb = float(r.sum() + 0.1 * b)
        wt = p * (1 - p)
        haa = float((wt * s * s).sum() + 0.1)
        hab = float((wt * s).sum())
        hbb = float(wt.sum() + 0.1)
        det = haa * hbb - hab * hab
        if det <= 1e-12:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-8:
            break
    return float(max(a, 0.05)), float(b)


def default_model() -> Model:
    """Parameters that work without any training (an empty database)."""
    return DEFAULT_MODEL


DEFAULT_MODEL = Model()
