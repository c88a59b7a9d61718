"""The FAQ engine: language, topic with a calibrated confidence, and the answer. No Django.

0. Safety layer (safety.py), asked first and deciding on its own: abuse by aid workers,
   trafficking, children alone, violence and suicide, read sentence by sentence and biased to
   recall (rules, then a linear model); it routes to a sensitive topic (hand-over to a trained
   person) whatever the topic layers say, and its look-alike exceptions (a stolen passport) stop
   them from escalating.
1. Topic model (topic_model.py): a linear model over character and word n-grams of the whole
   message. When it is confident (LINEAR_CONFIDENT) it decides, out of scope included.
2. Patterns: every topic has weighted patterns of word prefixes (data/intents.yaml) matched on the
   normalised message, with a tolerance of one typing error on longer words; their confidence is a
   logistic function of the best score and of its margin over the runner-up. Where the model is
   unsure, a confident pattern answers; else the model's guess if it reaches LINEAR_MIN.

Below that the engine abstains (topic None): a wrong answer is worse than "let me pass you to a
person". The order (model first, then patterns) was chosen by measurement over the patterns with
n-gram neighbours and the model alone (docs/benchmarks.md, "FAQ topic choice").
"""

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import OSA

from . import safety, topic_model
from .langdetect import detect
from .normalize import tokens

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("es", "pt", "en")
THRESHOLD = 0.5
# The topic model decides alone from this probability; under it a pattern of at least
# PATTERN_CONFIDENT answers, else the model's guess from LINEAR_MIN (chosen on the tuned sets
# bench/channels/faq_eval_set.tsv and faq_eval_blind.tsv and on faq_eval_unseen.tsv; see
# docs/benchmarks.md).
LINEAR_CONFIDENT = 0.5
LINEAR_MIN = 0.4
PATTERN_CONFIDENT = 0.7


@dataclass(frozen=True)
class Topic:
    id: str
    title: dict[str, str]
    sensitive: bool
    answers: dict[str, str]


@dataclass(frozen=True)
class Result:
    topic: str | None
    confidence: float
    lang: str
    sensitive: bool
    answer: str
    ranking: list[tuple[str, float]] = field(default_factory=list)
    via: str = "patterns"  # which layer decided: patterns, safety, model (or none)

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "confidence": round(self.confidence, 3),
            "lang": self.lang,
            "sensitive": self.sensitive,
            "answer": self.answer,
        }


Term = tuple[str, bool]  # (text, exact)


def _term(text: str) -> Term:
    exact = text.endswith("$") or len(text.rstrip("$")) <= 3
    return (text.rstrip("$"), exact)


def _pattern(spec: str) -> tuple[float, tuple[Term, ...]]:
    weight = 1.0
    head, sep, rest = spec.partition(":")
    if sep and head.replace(".", "", 1).isdigit():
        weight, spec = float(head), rest
    return weight, tuple(_term(t) for t in spec.split())


class Engine:
    def __init__(
        self,
        topics_yaml: str | None = None,
        answers_yaml: str | None = None,
        intents_yaml: str | None = None,
        model: bool = True,
    ):
        """`model=False` keeps only the safety layer and the patterns (no topic model)."""
        self.use_model = model
        spec = yaml.safe_load(topics_yaml or (DATA / "topics.yaml").read_text(encoding="utf-8"))
        answers = yaml.safe_load(answers_yaml or (DATA / "answers.yaml").read_text(encoding="utf-8"))
        intents = yaml.safe_load(intents_yaml or (DATA / "intents.yaml").read_text(encoding="utf-8"))
        self.answers_version = answers.get("version", 1)
        self.placeholders: dict[str, dict[str, str]] = answers.get("placeholders", {})
        self.fallback: dict[str, str] = answers["fallback"]
        self.topics: dict[str, Topic] = {}
        for item in spec["topics"]:
            text = answers["topics"][item["id"]]
            self.topics[item["id"]] = Topic(
                item["id"], text.get("title", {}), bool(item.get("sensitive")), {k: text[k] for k in LANGUAGES}
            )
        self.greeting_words = frozenset(intents["greeting_words"])
        self.generic = frozenset(intents.get("generic", []))
        self.patterns: dict[str, list[tuple[float, tuple[Term, ...]]]] = {
            topic: [_pattern(p) for p in specs] for topic, specs in intents["topics"].items()
        }
        self.combos = [
            (c["topic"], float(c["weight"]), tuple(map(_term, c["a"])), tuple(map(_term, c["b"])))
            for c in intents.get("combos", [])
        ]
        self.out_of_scope = [_pattern(p)[1] for p in intents.get("out_of_scope", [])]
        unknown = (set(self.patterns) | {c[0] for c in self.combos}) - set(self.topics)
        if unknown:
            raise ValueError(f"patterns for unknown topics: {sorted(unknown)}")
        terms: set[Term] = set()
        for plist in self.patterns.values():
            for _, pterms in plist:
                terms.update(pterms)
        for _, _, a, b in self.combos:
            terms.update(a)
            terms.update(b)
        for pterms in self.out_of_scope:
            terms.update(pterms)
        by_initial: dict[str, list[Term]] = {}
        for term in terms:
            by_initial.setdefault(term[0][:1], []).append(term)
        self._by_initial = by_initial
        self._token_terms = lru_cache(maxsize=20000)(self._match_token)

    # ---- matching ----------------------------------------------------------------------------

    def _match_token(self, token: str) -> frozenset[Term]:
        found = set()
        candidates = self._by_initial.get(token[:1], ())
        for term in candidates:
            text, exact = term
            if token == text or (not exact and token.startswith(text)):
                found.add(term)
        if any(len(text) >= 4 for text, _ in found) or len(token) < 6:
            return frozenset(found)
        # An unknown longer word: allow one typing error (two on long words) against the longer terms.
        for term in candidates:
            text, exact = term
            if exact or len(text) < 6 or not len(text) - 1 <= len(token) <= len(text) + 3:
                continue
            limit = 2 if len(text) >= 9 else 1
            if OSA.distance(token[: len(text)], text, score_cutoff=limit) <= limit:
                found.add(term)
        return frozenset(found)

    def scores(self, text: str) -> tuple[dict[str, float], float, tuple[str, ...]]:
        toks = tokens(text)
        matched: set[Term] = set()
        for token in toks:
            matched |= self._token_terms(token)
        result: dict[str, float] = {}
        for topic, plist in self.patterns.items():
            weights = sorted((w for w, terms in plist if all(t in matched for t in terms)), reverse=True)
            if weights:
                result[topic] = weights[0] + 0.25 * sum(weights[1:3])
        for topic, weight, a, b in self.combos:
            if any(t in matched for t in a) and any(t in matched for t in b):
                result[topic] = max(result.get(topic, 0.0), weight) + 0.25 * min(result.get(topic, 0.0), weight)
        oos = sum(2.5 for terms in self.out_of_scope if all(t in matched for t in terms))
        return result, oos, toks

    # ---- classification ------------------------------------------------------------------------

    @staticmethod
    def calibrate(best: float, second: float) -> float:
        if best <= 0:
            return 0.0
        strength = 1.0 / (1.0 + math.exp(-2.2 * (best - 1.2)))
        margin = (best - second) / best
        return max(0.0, min(1.0, strength * (0.55 + 0.45 * margin)))

    def classify(self, text: str, lang: str | None = None) -> Result:
        lang = lang if lang in LANGUAGES else detect(text)
        result, oos = self._classify_patterns(text, lang)
        # The safety layer decides first, on its own: a person must see this now, in that queue.
        assessment = safety.assess(text)
        if assessment.kind in self.topics:
            return self._result(assessment.kind, max(0.75, result.confidence), lang, result.ranking, "safety")
        if result.sensitive and result.topic in assessment.cleared:
            # A look-alike the layer ruled out (a stolen passport is not trafficking): no escalation.
            result = self._result(None, 0.1, lang, result.ranking)
        elif result.sensitive:
            return result
        if not self.use_model:
            return result
        guess, probability, ranking = topic_model.guess(text, exclude=assessment.cleared)
        if guess is not None and self.topics[guess].sensitive:
            guess = None  # the topic model never escalates: that is the safety layer's decision (it said no)
        if probability >= LINEAR_CONFIDENT:
            # Confidence is in the answer given: none when the model is sure it is out of scope.
            confidence = max(THRESHOLD, probability) if guess else min(result.confidence, 0.1)
            return self._result(guess, confidence, lang, ranking, "model")
        if result.topic is not None and (result.confidence >= PATTERN_CONFIDENT or result.topic == "greeting"):
            return result
        if guess is not None and probability >= LINEAR_MIN and not oos:  # "mi perro esta enfermo"
            return self._result(guess, THRESHOLD, lang, ranking, "model")
        return self._result(None, min(result.confidence, 0.3), lang, ranking)

    def _classify_patterns(self, text: str, lang: str) -> tuple[Result, float]:
        """The patterns' own decision, and the weight of the out-of-scope subjects named."""
        scores, oos, toks = self.scores(text)
        if toks and all(t in self.greeting_words for t in toks):
            return self._result("greeting", 0.95, lang, [("greeting", 1.0)]), oos
        sensitive = {t: s for t, s in scores.items() if self.topics[t].sensitive and s >= 3.0}
        if sensitive:
            ranked = sorted(sensitive.items(), key=lambda kv: -kv[1])
            runner = ranked[1][1] if len(ranked) > 1 else 0.0
            confidence = max(0.75, self.calibrate(ranked[0][1], runner))
            return self._result(ranked[0][0], confidence, lang, ranked[:3]), oos
        if any(s >= 1.5 for t, s in scores.items() if t not in self.generic):
            scores = {t: (s * 0.5 if t in self.generic else s) for t, s in scores.items()}
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked or oos >= ranked[0][1]:
            return self._result(None, 0.0 if not ranked else 0.1, lang, ranked[:3]), oos
        best = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = self.calibrate(best, max(second, oos))
        topic = ranked[0][0] if confidence >= THRESHOLD else None
        return self._result(topic, confidence, lang, ranked[:3]), oos

    def _result(
        self, topic: str | None, confidence: float, lang: str, ranking: list[tuple[str, float]], via: str = "patterns"
    ) -> Result:
        sensitive = bool(topic and self.topics[topic].sensitive)
        ranks = [(t, round(s, 2)) for t, s in ranking]
        return Result(topic, confidence, lang, sensitive, self.answer(topic, lang), ranks, via if topic else "none")

    # ---- answers -------------------------------------------------------------------------------

    def answer(self, topic: str | None, lang: str, facts: dict[str, str] | None = None) -> str:
        lang = lang if lang in LANGUAGES else "es"
        text = self.topics[topic].answers[lang] if topic else self.fallback[lang]
        values = {name: per_lang.get(lang, "") for name, per_lang in self.placeholders.items()}
        values.update({k: v for k, v in (facts or {}).items() if v})
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def title(self, topic: str, lang: str) -> str:
        titles = self.topics[topic].title
        return titles.get(lang) or titles.get("es") or topic


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine()


def ask(text: str, lang: str | None = None) -> Result:
    return default_engine().classify(text, lang)
