"""The labelled set of feedback (es/pt/en) used by the classifier's benchmark, tests and the demo.
Pure: no Django import."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .classifier import CATEGORY_TYPE, NaiveBayes, Suggestion, classify, classify_rules

DATA = Path(__file__).parent / "data"
# The benchmark sets, in the order they were written (each before the revision that followed it).
KINDS = ("labelled", "holdout", "fresh", "blind")
# Written by someone who never saw the classifier, after the statistical layer was finished: the
# model never trains on it and nothing is tuned on it; its first run is the figure reported.
UNSEEN = "unseen"
EVALUATION_KINDS = (*KINDS, UNSEEN)


@dataclass(frozen=True)
class Example:
    language: str
    type: str
    category: str
    sensitivity: str
    text: str


def load(languages=("es", "pt", "en"), kind: str = "labelled") -> list[Example]:
    """kind: "labelled" (the set the lexicon was written against), "holdout" (held out from the first
    lexicon, then used to design the co-occurrence rules) or "fresh" (written after that, then used for a
    second revision) or "blind" (written after the second revision, never used to change it); the
    statistical layer is trained on these four and on "train" (written for it). See KINDS. "unseen"
    (written by someone who never saw the classifier) only measures it."""
    examples = []
    for language in languages:
        for line in (DATA / f"{kind}_{language}.txt").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            category, sensitivity, text = line.split("|", 2)
            examples.append(Example(language, CATEGORY_TYPE[category], category, sensitivity, text))
    return examples


@dataclass
class Scores:
    n: int = 0
    type_ok: int = 0
    category_ok: int = 0
    sensitivity_ok: int = 0
    sensitive: int = 0  # labelled sensitive
    sensitive_flagged: int = 0  # of those, suggested sensitive
    sensitive_routed: int = 0  # of those, sent to the confidential queue (sensitive or to clarify)
    ordinary: int = 0  # labelled not sensitive
    ordinary_routed: int = 0  # of those, sent to the confidential queue anyway

    def add(self, example: Example, suggestion: Suggestion) -> None:
        self.n += 1
        self.type_ok += suggestion.type == example.type
        self.category_ok += suggestion.category == example.category
        self.sensitivity_ok += suggestion.sensitivity == example.sensitivity
        if example.sensitivity == "sensitive":
            self.sensitive += 1
            self.sensitive_flagged += suggestion.sensitivity == "sensitive"
            self.sensitive_routed += suggestion.sensitivity != "not_sensitive"
        elif example.sensitivity == "not_sensitive":
            self.ordinary += 1
            self.ordinary_routed += suggestion.sensitivity != "not_sensitive"

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    def summary(self) -> dict:
        return {
            "n": self.n,
            "type_accuracy": self._share(self.type_ok, self.n),
            "category_accuracy": self._share(self.category_ok, self.n),
            "sensitivity_accuracy": self._share(self.sensitivity_ok, self.n),
            "sensitive_recall": self._share(self.sensitive_routed, self.sensitive),
            "sensitive_recall_strict": self._share(self.sensitive_flagged, self.sensitive),
            "false_confidential_rate": self._share(self.ordinary_routed, self.ordinary),
        }


def evaluate(examples: list[Example], model: NaiveBayes | None = None, rules_only: bool = False) -> dict[str, Scores]:
    """Scores per language and for all ("all"): of the shipped classifier, of the rules alone, or of
    the rules with a given model (cross-validation)."""
    suggest: Callable[[str, str], Suggestion]
    if rules_only:
        suggest = classify_rules
    else:
        suggest = lambda text, language: classify(text, language, model=model)  # noqa: E731
    scores: dict[str, Scores] = {"all": Scores()}
    for example in examples:
        suggestion = suggest(example.text, example.language)
        scores.setdefault(example.language, Scores()).add(example, suggestion)
        scores["all"].add(example, suggestion)
    return scores
