"""Registry name search latency: p50 and p95 of `search_people` against N people.

    python bench/registry_search.py --quick                        # CI: 10,000 people, SQLite
    python bench/registry_search.py --people 100000 1000000        # SQLite in a temp directory
    python bench/registry_search.py --people 100000 1000000 --postgres
    CAMINANTE_DATABASE_URL=postgresql://... python bench/registry_search.py --people 100000

Each case loads people with `caminante seed-load` (incrementally: 100,000 then 900,000 more),
then runs misspelled name searches as the data manager of Colombia (dropped accents, swapped
family names, Yusmari for Yusmary, one family name missing, lower case) for randomly chosen
Colombian people, and prints one line per case:

    registry_search db=postgresql people=1000000 p50_ms=.. p95_ms=.. queries=200 found_pct=..

`found_pct` is the share of searches whose intended person is among the 25 results.
`--postgres` creates (drops first, unless --reuse) a throwaway database `caminante_bench` on
postgresql://postgres@127.0.0.1:5432/. `--reuse` keeps an existing database and loads only the
people missing.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_DB = "caminante_bench"

ACCENTS = str.maketrans("áéíóúÁÉÍÓÚñÑ", "aeiouAEIOUnN")
SPELLING = (("y", "i"), ("i", "y"), ("v", "b"), ("b", "v"), ("z", "s"), ("ll", "y"), ("h", ""), ("qu", "k"))


def _setup(args) -> str:
    os.environ["CAMINANTE_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "caminante.settings"
    if args.postgres:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
            if exists and not args.reuse:
                conn.execute(f'DROP DATABASE "{PG_DB}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["CAMINANTE_DATABASE_URL"] = PG_SERVER + PG_DB
    elif not os.environ.get("CAMINANTE_DATABASE_URL"):
        data_dir = Path(os.environ.get("CAMINANTE_BENCH_DIR") or Path(tempfile.gettempdir()) / "caminante-bench")
        data_dir.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for name in ("caminante.sqlite3", "caminante.sqlite3-wal", "caminante.sqlite3-shm"):
                (data_dir / name).unlink(missing_ok=True)
        os.environ["CAMINANTE_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor


def _misspell(person, rng: random.Random, kind: int) -> str:
    given, f1, f2 = person
    if kind == 0:  # accents dropped
        text = f"{given} {f1} {f2}".translate(ACCENTS)
    elif kind == 1:  # family names swapped
        text = f"{given} {f2} {f1}" if f2 else f"{f1} {given}"
    elif kind == 2:  # spelling: Yusmari for Yusmary, Gonzales for González, Bilegas for Villegas
        text = f"{given} {f1} {f2}".translate(ACCENTS)
        options = [(a, b) for a, b in SPELLING if a in text.lower()]
        if options:
            a, b = rng.choice(options)
            lowered = text.lower()
            at = lowered.index(a)
            text = text[:at] + b + text[at + len(a) :]
    elif kind == 3:  # one family name only
        text = f"{given.split()[0]} {f1}"
    else:  # lower case, only the first given name
        text = f"{given.split()[0]} {f1} {f2}".lower()
    return " ".join(text.split())


def _sample(rng: random.Random, national_society, n: int) -> list[tuple[uuid.UUID, tuple[str, str, str]]]:
    """Random people of the National Society: the first id after a random UUID, by the primary
    key alone (a filter on the National Society lets SQLite walk its index instead)."""
    from caminante.registry.models import Person

    picked: dict = {}
    for _attempt in range(n * 20):
        row = (
            Person.objects.filter(pk__gte=uuid.UUID(int=rng.getrandbits(128)))
            .order_by("pk")
            .values_list("pk", "national_society_id", "given_names", "family_name_1", "family_name_2")
            .first()
        )
        if row and row[1] == national_society.pk:
            picked[row[0]] = row[2:]
        if len(picked) >= n:
            break
    return list(picked.items())


def _user(national_society):
    from caminante.core.models import User
    from caminante.core.roles import Role

    user, _created = User.objects.get_or_create(
        username="bench.datamanager.co",
        defaults={"role": Role.DATA_MANAGER, "national_society": national_society},
    )
    return user


def run_case(vendor: str, people: int, queries: int, batch: int, seed: int, out) -> None:
    from django.core.management import call_command

    from caminante.core.models import NationalSociety
    from caminante.registry.models import Person
    from caminante.registry.selectors import search_people

    have = Person.objects.count()
    if have < people:
        started = time.monotonic()
        call_command("seed_load", people=people - have, batch=batch, seed=seed + have, quiet=True, stdout=out)
        print(
            f"seed_load db={vendor} people={people - have} total_people={people} "
            f"seconds={time.monotonic() - started:.1f}",
            flush=True,
        )
    have = Person.objects.count()
    colombia = NationalSociety.objects.get(country="CO")
    user = _user(colombia)
    rng = random.Random(seed)
    sample = _sample(rng, colombia, queries)
    cases = [(pk, _misspell(names, rng, i % 5)) for i, (pk, names) in enumerate(sample)]
    for _pk, text in cases[:10]:  # warm the caches and the connection
        search_people(user, text)
    timings, found = [], 0
    for pk, text in cases:
        started = time.perf_counter()
        result = search_people(user, text)
        timings.append((time.perf_counter() - started) * 1000)
        found += any(p.pk == pk for p in result)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    print(
        f"registry_search db={vendor} people={have} p50_ms={statistics.median(timings):.1f} p95_ms={p95:.1f} "
        f"queries={len(timings)} found_pct={100 * found / len(timings):.1f}",
        flush=True,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--quick", action="store_true", help="10,000 people (CI)")
    parser.add_argument("--postgres", action="store_true", help=f"throwaway database {PG_DB} on {PG_SERVER}")
    parser.add_argument("--reuse", action="store_true", help="keep the database, load only missing people")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.quick:
        args.people = [10_000]
    vendor = _setup(args)
    with open(os.devnull, "w") as devnull:
        for people in sorted(args.people):
            run_case(vendor, people, args.queries, args.batch, args.seed, devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
