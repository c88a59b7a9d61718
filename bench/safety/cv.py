"""Cross-validation of the safety model on its own training data (not a held-out figure).

    PYTHONPATH=. CAMINANTE_TESTING=1 python bench/safety/cv.py [--folds 5] [--c 8]

For each pair of thresholds (whole message, one sentence window): recall on the sensitive
examples of data/safety_training.tsv, the right queue, false alarms on its ordinary look-alikes
and on the ordinary FAQ paraphrases of data/training.tsv; for the whole layer (rules, then the
model). The rules were written against part of these rows, so their share is optimistic.
"""

import argparse
import sys
import time

import numpy as np

from caminante.faq import safety, safety_model

PAIRS = [(0.5, 0.5), (0.5, 0.6), (0.5, 0.7), (0.5, 0.8), (0.6, 0.7), (0.6, 0.8), (0.4, 0.7), (0.4, 0.8)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=safety_model.C, help="regularisation (inverse)")
    args = parser.parse_args()
    safety_model.C = args.c
    started = time.time()
    examples = safety_model.read_examples()
    with (safety_model.DATA / "safety_training.tsv").open(encoding="utf-8") as handle:
        lookalike_rows = sum(1 for line in handle if line.strip() and not line.startswith("#"))
    fold_of = np.random.default_rng(7).integers(0, args.folds, len(examples))
    outcomes: list[tuple[str, bool, str | None, dict]] = []  # kind, from the safety file, rules, per pair
    for fold in range(args.folds):
        model = safety_model.train([examples[i] for i in range(len(examples)) if fold_of[i] != fold])
        for i in np.flatnonzero(fold_of == fold):
            text, kind = examples[i]
            rules = safety.assess_rules(text)
            per_pair = {pair: safety_model.verdict(model, text, pair[0], rules.cleared, pair[1]).kind for pair in PAIRS}
            outcomes.append((kind, i < lookalike_rows, rules.kind, per_pair))
    for pair in PAIRS:
        decided = [(kind, safety_file, rules or per_pair[pair]) for kind, safety_file, rules, per_pair in outcomes]
        sens = [(k, d) for k, f, d in decided if k != "none" and f]
        look = [d for k, f, d in decided if k == "none" and f]
        faq = [d for k, f, d in decided if k == "none" and not f]
        hits = [d for _, d in sens if d]
        print(
            f"whole {pair[0]:.2f} window {pair[1]:.2f}: recall {len(hits) / len(sens):.3f} "
            f"right-queue {sum(1 for k, d in sens if d == k) / max(1, len(hits)):.3f} "
            f"false-alarms look-alikes {sum(1 for d in look if d) / len(look):.3f} "
            f"faq {sum(1 for d in faq if d) / len(faq):.3f} (n={len(sens)}+{len(look)}+{len(faq)})"
        )
    print(f"{time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
