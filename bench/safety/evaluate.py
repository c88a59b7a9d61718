"""The safety layer's own figures: does a message that needs a person now reach one?

Reads a labelled set (TSV: `kind<TAB>lang<TAB>form<TAB>text`, kind one of the sensitive topics
child_protection, suicidal_crisis, human_trafficking, psea_report, violence_gbv, or `none` for
an ordinary look-alike) and runs it through both engines that decide it:

- the FAQ assistant (`caminante.faq.ask`): sensitive recall (escalated to any sensitive topic),
  the right queue (escalated to the right sensitive topic), false alarms on the look-alikes;
- the feedback classifier (`caminante.feedback.classifier.classify`): sensitive recall (marked
  sensitive; and counting "to clarify"), false alarms.

Per language, kind and form. A set whose name contains "heldout" is private: only aggregate
figures are printed, never its rows or its errors (it was written by someone who never saw the
engines, and it is used for nothing but this report). `--errors` prints the misses of other sets.

    python bench/safety/evaluate.py [SET.tsv ...] [--quick] [--errors]
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from caminante.faq import ask  # noqa: E402
from caminante.feedback.classifier import SENSITIVE, TO_CLARIFY, classify  # noqa: E402

SENSITIVE_KINDS = ("child_protection", "suicidal_crisis", "human_trafficking", "psea_report", "violence_gbv")
DEFAULT_SETS = [ROOT / "bench" / "safety" / "heldout.tsv"]


def load(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, lang, form, text = line.split("\t", 3)
        if kind not in (*SENSITIVE_KINDS, "none"):
            raise SystemExit(f"{path}:{number}: unknown kind {kind!r}")
        rows.append((kind, lang.strip(), form.strip(), text.strip()))
    return rows


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total}={hits / total:.3f}" if total else "-"


def evaluate(path: Path, *, quick: bool, show_errors: bool) -> None:
    rows = load(path)
    if quick:
        rows = rows[::5]
    private = "heldout" in path.name
    faq_hit = defaultdict(lambda: [0, 0])  # group -> [detected, total]
    fb_hit = defaultdict(lambda: [0, 0])
    right_queue = [0, 0]
    alarms = {"faq": [0, 0], "feedback": [0, 0], "feedback+clarify": [0, 0]}
    fb_clarify = [0, 0]
    alarm_topics: dict[str, int] = defaultdict(int)
    errors = []
    started = time.perf_counter()
    for kind, lang, form, text in rows:
        result = ask(text)
        suggestion = classify(text)
        faq_sensitive = result.sensitive
        fb_sensitive = suggestion.sensitivity == SENSITIVE
        fb_or_clarify = suggestion.sensitivity in (SENSITIVE, TO_CLARIFY)
        if kind == "none":
            for name, flag in (("faq", faq_sensitive), ("feedback", fb_sensitive), ("feedback+clarify", fb_or_clarify)):
                alarms[name][0] += flag
                alarms[name][1] += 1
            if faq_sensitive:
                alarm_topics[result.topic or "-"] += 1
                errors.append(("false alarm", result.topic, text))
            continue
        for group in ("all", f"lang:{lang}", f"kind:{kind}", f"form:{form}"):
            faq_hit[group][0] += faq_sensitive
            faq_hit[group][1] += 1
            fb_hit[group][0] += fb_sensitive
            fb_hit[group][1] += 1
        fb_clarify[0] += fb_or_clarify
        fb_clarify[1] += 1
        if faq_sensitive:
            right_queue[0] += result.topic == kind
            right_queue[1] += 1
            if result.topic != kind:
                errors.append((f"wrong queue {kind}", result.topic, text))
        else:
            errors.append((f"missed {kind}", result.topic, text))
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    name = path.stem
    print(
        f"safety[{name}] faq: sensitive recall {ratio(*faq_hit['all'])}, right queue {ratio(*right_queue)}, "
        f"false alarms {ratio(*alarms['faq'])} | feedback: sensitive recall {ratio(*fb_hit['all'])} "
        f"({ratio(*fb_clarify)} with to-clarify), false alarms {ratio(*alarms['feedback'])} "
        f"({ratio(*alarms['feedback+clarify'])} with to-clarify) | {len(rows)} messages, {elapsed_ms:.1f} ms each"
    )
    for prefix in ("lang:", "kind:", "form:"):
        groups = sorted(g for g in faq_hit if g.startswith(prefix))
        print(
            f"  {prefix[:-1]:5} faq "
            + ", ".join(f"{g[len(prefix) :]} {faq_hit[g][0]}/{faq_hit[g][1]}" for g in groups)
            + " | feedback "
            + ", ".join(f"{g[len(prefix) :]} {fb_hit[g][0]}/{fb_hit[g][1]}" for g in groups)
        )
    if alarm_topics:
        print("  false alarms taken for: " + ", ".join(f"{t} {n}" for t, n in sorted(alarm_topics.items())))
    if show_errors and not private:
        for what, topic, text in errors:
            print(f"    {what} -> {topic}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--quick", action="store_true", help="every fifth message")
    parser.add_argument("--errors", action="store_true", help="print the misses (never of a held-out set)")
    args = parser.parse_args()
    for path in args.sets:
        evaluate(path, quick=args.quick, show_errors=args.errors)


if __name__ == "__main__":
    main()
