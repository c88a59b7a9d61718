"""Accuracy of the feedback classifier on the labelled sets (es/pt/en), and its speed.

    .venv/bin/python bench/feedback/classifier.py [--quick] [--cv] [--errors]

One line per set and language: type / category / sensitivity accuracy, the recall of sensitive
reports (share sent to the confidential queue: suggested "sensitive" or "to be clarified";
strict: suggested "sensitive"), and the share of ordinary items sent there anyway. "model=shipped"
is the classifier as it runs (lexicon and rules, then the statistical layer trained on every
shipped set: on those sets the figures are in-sample); "model=rules" is the lexicon and rules alone.
The "unseen" set (written by someone who never saw the classifier) is never trained on: only
aggregate figures are printed for it, never its items.

--cv adds the honest figures for the four shipped sets: leave-one-set-out (the model is trained on
the three other sets and the training file, then tested on the fourth) and a grouped 5-fold
cross-validation over the training file (the same idea in es, pt and en stays in one fold).
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from caminante.feedback import classifier  # noqa: E402
from caminante.feedback.labelled import DATA, EVALUATION_KINDS, KINDS, Example, Scores, evaluate, load  # noqa: E402


def line(label: str, language: str, scores: Scores) -> str:
    s = scores.summary()
    return (
        f"feedback-classifier {label} lang={language} n={s['n']} type={s['type_accuracy']}% "
        f"category={s['category_accuracy']}% sensitivity={s['sensitivity_accuracy']}% "
        f"sensitive_recall={s['sensitive_recall']}% (strict {s['sensitive_recall_strict']}%) "
        f"false_confidential={s['false_confidential_rate']}%"
    )


def merge(total: dict[str, Scores], part: dict[str, Scores]) -> None:
    for language, scores in part.items():
        into = total.setdefault(language, Scores())
        for name in vars(scores):
            setattr(into, name, getattr(into, name) + getattr(scores, name))


def as_examples(rows: list[classifier.TrainingRow]) -> list[Example]:
    return [Example(r.language, classifier.CATEGORY_TYPE[r.category], r.category, r.sensitivity, r.text) for r in rows]


def cross_validation() -> None:
    train_file = classifier.read_rows("train")
    # Leave one set out.
    for variant in ("shipped", "rules"):
        total: dict[str, Scores] = {}
        for held in KINDS:
            rows = [row for kind in KINDS if kind != held for row in classifier.read_rows(kind)] + train_file
            model = classifier.NaiveBayes().fit(rows)
            scores = evaluate(load(kind=held), model=model, rules_only=variant == "rules")
            print(line(f"cv=leave-one-set-out model={variant} held={held}", "all", scores["all"]))
            merge(total, scores)
        for language in ("es", "pt", "en", "all"):
            print(line(f"cv=leave-one-set-out model={variant} held=pooled", language, total[language]))
    # Grouped 5-fold over the training file: the k-th example of a category is the same idea in
    # the three languages (the file was written so), so it is held out in all three at once.
    shipped_sets = [row for kind in KINDS for row in classifier.read_rows(kind)]
    position: dict[tuple[str, str], int] = defaultdict(int)
    indexed = []
    for row in train_file:
        indexed.append((position[row.language, row.category], row))
        position[row.language, row.category] += 1
    for variant in ("shipped", "rules"):
        total = {}
        for fold in range(5):
            rows = shipped_sets + [row for i, row in indexed if i % 5 != fold]
            test = as_examples([row for i, row in indexed if i % 5 == fold])
            merge(total, evaluate(test, model=classifier.NaiveBayes().fit(rows), rules_only=variant == "rules"))
        for language in ("es", "pt", "en", "all"):
            print(line(f"cv=train-file-5-fold model={variant}", language, total[language]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds (CI)")
    parser.add_argument("--cv", action="store_true", help="cross-validation of the statistical layer")
    parser.add_argument("--errors", action="store_true", help="print the misclassified examples of the blind set")
    args = parser.parse_args()
    start = time.perf_counter()
    model = classifier.default_model()
    trained = time.perf_counter() - start
    print(
        f"feedback-classifier training={trained * 1000:.0f}ms examples={model.trained_on} features={len(model.index)}"
    )
    for kind in EVALUATION_KINDS:
        if not all((DATA / f"{kind}_{language}.txt").exists() for language in ("es", "pt", "en")):
            print(f"feedback-classifier set={kind} missing")
            continue
        for variant in ("shipped", "rules"):
            for language, scores in evaluate(load(kind=kind), rules_only=variant == "rules").items():
                print(line(f"set={kind} model={variant}", language, scores))
    if args.cv:
        cross_validation()
    examples = load()
    rounds = 3 if args.quick else 20
    start = time.perf_counter()
    for _ in range(rounds):
        for example in examples:
            classifier.classify(example.text, example.language)
    elapsed = time.perf_counter() - start
    per_item = elapsed / (rounds * len(examples)) * 1e6
    print(f"feedback-classifier speed={per_item:.0f}us/item items={rounds * len(examples)}")
    if args.errors:
        for example in load(kind="blind"):
            got = classifier.classify(example.text, example.language)
            if got.category != example.category or got.sensitivity != example.sensitivity:
                print(
                    f"  {example.language} want={example.category}/{example.sensitivity} "
                    f"got={got.category}/{got.sensitivity}: {example.text}"
                )


if __name__ == "__main__":
    main()
