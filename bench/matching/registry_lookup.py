"""Registration duplicate check against the database: p50 / p95 of `find_candidates` (blocking in
SQL, ranking by the matching engine) against N people, SQLite or PostgreSQL.

    python -m bench.matching.registry_lookup --quick                      # 10,000 people, SQLite
    python -m bench.matching.registry_lookup --people 100000 1000000
    python -m bench.matching.registry_lookup --people 100000 1000000 --postgres

People are loaded with `caminante seed-load` (as bench/registry_search.py does, in its own data
directory / database `caminante_bench_lookup`). Each probe is a randomly chosen Colombian person
re-typed the way a volunteer at another HSP would (one of: accents dropped, family names swapped,
one spelling change, second family name left out, nickname-free lower case) with the same date
of birth (day and month swapped for one probe in five) and, one time in two, the phone. Prints:

    registry_lookup db=sqlite people=100000 p50_ms=.. p95_ms=.. probes=200 top1_pct=.. top5_pct=..
        cpu_p50_ms=.. cpu_p95_ms=.. load=..

`cpu_*`: this process's CPU time per check (the Python side: blocking query round trip, ranking,
loading the candidates), which other work on a shared machine disturbs less than the wall clock
(the database server's own time is not in it); `load`: the one-minute load average at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _probe(person, rng: random.Random, kind: int) -> dict:
    from bench import registry_search as rs

    given, f1, f2 = person.given_names, person.family_name_1, person.family_name_2
    text = rs._misspell((given, f1, f2), rng, kind).split()
    n_given = len(given.split()) if kind != 3 and kind != 4 else 1
    probe = {
        "given_names": " ".join(text[:n_given]),
        "family_name_1": text[n_given] if len(text) > n_given else "",
        "family_name_2": " ".join(text[n_given + 1 :]),
        "sex": person.sex,
    }
    if person.birth_date:
        b = person.birth_date
        if kind == 2 and b.day <= 12:
            b = b.replace(month=b.day, day=b.month)
        probe["birth_date"] = b
        probe["birth_date_estimated"] = person.birth_date_estimated
    if person.phone_e164 and rng.random() < 0.5:
        probe["phone_e164"] = person.phone_e164
    return probe


def run_case(vendor: str, people: int, probes: int, batch: int, seed: int, out) -> None:
    from django.core.management import call_command

    from bench import registry_search as rs
    from caminante.core.models import NationalSociety
    from caminante.registry.models import Person
    from caminante.registry.selectors import find_candidates

    have = Person.objects.count()
    if have < people:
        started = time.monotonic()
        call_command("seed_load", people=people - have, batch=batch, seed=seed + have, quiet=True, stdout=out)
        print(f"seed_load db={vendor} people={people - have} seconds={time.monotonic() - started:.1f}", flush=True)
    have = Person.objects.count()
    colombia = NationalSociety.objects.get(country="CO")
    user = rs._user(colombia)
    rng = random.Random(seed)
    ids = [pk for pk, _names in rs._sample(rng, colombia, probes)]
    sample = list(Person.objects.filter(pk__in=ids))
    cases = [(p.pk, _probe(p, rng, i % 5)) for i, p in enumerate(sample)]
    for _pk, probe in cases[:10]:  # warm the caches and the connection
        find_candidates(user, **probe)
    timings, cpu, top1, top5 = [], [], 0, 0
    for pk, probe in cases:
        started, cpu_started = time.perf_counter(), time.process_time()
        found = find_candidates(user, **probe)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        ranked = [c.person.pk for c in found]
        top1 += ranked[:1] == [pk]
        top5 += pk in ranked[:5]
    n = len(timings)
    print(
        f"registry_lookup db={vendor} people={have} p50_ms={statistics.median(timings):.1f} "
        f"p95_ms={_p95(timings):.1f} probes={n} top1_pct={100 * top1 / n:.1f} top5_pct={100 * top5 / n:.1f} "
        f"cpu_p50_ms={statistics.median(cpu):.1f} cpu_p95_ms={_p95(cpu):.1f} load={os.getloadavg()[0]:.1f}",
        flush=True,
    )


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * len(values))) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--quick", action="store_true", help="10,000 people (CI)")
    parser.add_argument("--postgres", action="store_true", help="throwaway database caminante_bench_lookup")
    parser.add_argument("--reuse", action="store_true", help="keep the database, load only missing people")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.quick:
        args.people = [10_000]
    sys.path.insert(0, str(ROOT))
    from bench import registry_search as rs

    rs.PG_DB = "caminante_bench_lookup"
    os.environ.setdefault("CAMINANTE_BENCH_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "caminante-bench-lookup"))
    vendor = rs._setup(args)
    with open(os.devnull, "w") as devnull:
        for people in sorted(args.people):
            run_case(vendor, people, args.probes, args.batch, args.seed, devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
