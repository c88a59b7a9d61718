"""Cross-validation of the safety model on its own training data (not a held-out figure).

    PYTHONPATH=. CAMINANTE_TESTING=1 python bench/safety/cv.py [--folds 5]

For each threshold: recall on sensitive examples, false alarms on ordinary ones, right queue,
for the model alone and for the whole layer (rules, then the model). Only examples of
data/safety_training.tsv are scored (the FAQ paraphrases and topic examples train every fold).
"""

import argparse
import sys
import time

import numpy as np

from caminante.faq import safety, safety_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    started = time.time()
    examples = safety_model.read_examples()
    with (safety_model.DATA / "safety_training.tsv").open(encoding="utf-8") as handle:
        scored = range(sum(1 for line in handle if line.strip() and not line.startswith("#")))
    rng = np.random.default_rng(7)
    fold_of = rng.integers(0, args.folds, len(examples))
    thresholds = [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6]
    outcomes: list[tuple[str, str | None, dict[float, str | None]]] = []
    for fold in range(args.folds):
        train = [examples[i] for i in range(len(examples)) if fold_of[i] != fold]
        model = safety_model.train(train)
        for i in scored:
            if fold_of[i] != fold:
                continue
            text, kind = examples[i]
            rules = safety.assess_rules(text)
            per_t = {}
            for t in thresholds:
                per_t[t] = safety_model.verdict(model, text, t, exclude=rules.cleared).kind
            outcomes.append((kind, rules.kind, per_t))
    for t in thresholds:
        for name, decide in (("model", lambda r, m: m), ("layer", lambda r, m: r or m)):
            sens = [(k, decide(r, p[t])) for k, r, p in outcomes if k != "none"]
            ords = [decide(r, p[t]) for k, r, p in outcomes if k == "none"]
            recall = sum(1 for _, d in sens if d) / len(sens)
            right = sum(1 for k, d in sens if d == k) / max(1, sum(1 for _, d in sens if d))
            fa = sum(1 for d in ords if d) / len(ords)
            print(
                f"threshold {t:.2f} {name}: recall {recall:.3f} right-queue {right:.3f} false-alarms {fa:.3f} "
                f"(n={len(sens)}+{len(ords)})"
            )
    rules_sens = [(k, r) for k, r, _ in outcomes if k != "none"]
    print(f"rules alone (tuned on these rows): recall {sum(1 for _, r in rules_sens if r) / len(rules_sens):.3f}")
    print(f"{time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
