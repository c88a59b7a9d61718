"""Evaluate the FAQ engine on the labelled sets bench/channels/faq_eval_set.tsv (held out from the
patterns, then used to find vocabulary gaps) and faq_eval_blind.tsv (written afterwards, first run reported).

Prints one line for the engine and one for a plain keyword-trigger baseline (the way RapidPro
keyword triggers work: a topic's keywords, most hits wins, no hit = no answer):
top-1 accuracy on in-scope messages (overall and per language), correct abstention on
out-of-scope ones, recall of sensitive topics (escalated to a sensitive topic), p95 latency.

    python bench/faq_eval.py [--quick] [--errors]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from caminante.faq import Engine, tokens  # noqa: E402

SETS = {
    "heldout": ROOT / "bench" / "channels" / "faq_eval_set.tsv",
    "blind": ROOT / "bench" / "channels" / "faq_eval_blind.tsv",
}
STOP = set(
    "el la los las de del y en un una por para con mi me que q es al a o os as do da dos das em um uma meu minha eu "
    "the a an of and in on to for with my me i is are am do you your it can how what where vocês voces ustedes "
    "se lo le su tengo tiene tem have has ter como".split()
)


def load(path: Path) -> list[tuple[str | None, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        topic, lang, text = line.split("\t", 2)
        rows.append((None if topic == "-" else topic, lang, text))
    return rows


class KeywordBaseline:
    """RapidPro-style keyword triggers built from the spec's example phrasings."""

    def __init__(self):
        spec = yaml.safe_load((ROOT / "caminante" / "faq" / "data" / "topics.yaml").read_text(encoding="utf-8"))
        self.sensitive = {t["id"] for t in spec["topics"] if t.get("sensitive")}
        self.keywords = {
            t["id"]: {w for ex in t["examples"] for w in tokens(ex["text"]) if w not in STOP and len(w) > 2}
            for t in spec["topics"]
        }

    def classify(self, text: str) -> str | None:
        words = set(tokens(text))
        hits = sorted(((len(words & kw), topic) for topic, kw in self.keywords.items()), reverse=True)
        if not hits or hits[0][0] == 0 or (len(hits) > 1 and hits[1][0] == hits[0][0]):
            return None
        return hits[0][1]


def evaluate(name, classify, rows, sensitive_topics, show_errors=False) -> str:
    in_scope = [r for r in rows if r[0]]
    oos = [r for r in rows if not r[0]]
    latencies, correct, by_lang, abstained, sens_total, sens_hit = [], 0, {}, 0, 0, 0
    for topic, lang, text in rows:
        start = time.perf_counter()
        got = classify(text)
        latencies.append((time.perf_counter() - start) * 1000)
        if topic is None:
            abstained += got is None
            if got is not None and show_errors:
                print(f"  OOS answered  {got:<26} | {text}")
            continue
        ok = got == topic
        correct += ok
        total, good = by_lang.get(lang, (0, 0))
        by_lang[lang] = (total + 1, good + ok)
        if topic in sensitive_topics:
            sens_total += 1
            sens_hit += got in sensitive_topics
        if not ok and show_errors:
            print(f"  {topic:<26} -> {got!s:<26} | {text}")
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 20 else max(latencies)
    langs = " ".join(f"{lang}={good / total:.1%}" for lang, (total, good) in sorted(by_lang.items()))
    return (
        f"{name}: top1={correct / len(in_scope):.1%} ({langs}) abstention={abstained / max(len(oos), 1):.1%} "
        f"sensitive_recall={sens_hit / max(sens_total, 1):.1%} p95={p95:.2f}ms "
        f"n={len(in_scope)}+{len(oos)}oos"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every other message (CI)")
    parser.add_argument("--errors", action="store_true", help="print the misclassified messages")
    args = parser.parse_args(argv)
    engine = Engine()
    sensitive = {t.id for t in engine.topics.values() if t.sensitive}
    engine.classify("warm up")
    baseline = KeywordBaseline()
    for name, path in SETS.items():
        rows = load(path)
        if args.quick:
            rows = rows[::2]
        classify = lambda text: engine.classify(text).topic  # noqa: E731
        print(evaluate(f"faq-engine[{name}]", classify, rows, sensitive, args.errors))
        print(evaluate(f"keyword-baseline[{name}]", baseline.classify, rows, sensitive))
    return 0


if __name__ == "__main__":
    sys.exit(main())
