"""Accuracy of the feedback classifier on the labelled set (es/pt/en), and its speed.

    .venv/bin/python bench/feedback/classifier.py [--quick] [--errors]

One line per language and one for all: type / category / sensitivity accuracy, the recall of
sensitive reports (share sent to the confidential queue: suggested "sensitive" or "to be
clarified"; strict: suggested "sensitive"), and the share of ordinary items sent there anyway.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from caminante.feedback.classifier import classify  # noqa: E402
from caminante.feedback.labelled import evaluate, load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds (CI)")
    parser.add_argument("--errors", action="store_true", help="print the misclassified examples")
    args = parser.parse_args()
    examples = load()
    for kind in ("labelled", "holdout", "fresh", "blind"):
        for language, scores in evaluate(load(kind=kind)).items():
            s = scores.summary()
            print(
                f"feedback-classifier set={kind} lang={language} n={s['n']} type={s['type_accuracy']}% "
                f"category={s['category_accuracy']}% sensitivity={s['sensitivity_accuracy']}% "
                f"sensitive_recall={s['sensitive_recall']}% (strict {s['sensitive_recall_strict']}%) "
                f"false_confidential={s['false_confidential_rate']}%"
            )
    rounds = 3 if args.quick else 30
    start = time.perf_counter()
    for _ in range(rounds):
        for example in examples:
            classify(example.text, example.language)
    elapsed = time.perf_counter() - start
    per_item = elapsed / (rounds * len(examples)) * 1e6
    print(f"feedback-classifier speed={per_item:.0f}us/item items={rounds * len(examples)}")
    if args.errors:
        for example in load(kind="blind"):
            got = classify(example.text, example.language)
            if got.category != example.category or got.sensitivity != example.sensitivity:
                print(
                    f"  {example.language} want={example.category}/{example.sensitivity} "
                    f"got={got.category}/{got.sensitivity}: {example.text}"
                )


if __name__ == "__main__":
    main()
