"""Referrals benchmark: `nearest_services` over a big directory, and the public map's first-load weight.

    python bench/referrals/nearest.py --quick                  # CI: SQLite, 10,000 services, 300 queries
    python bench/referrals/nearest.py --services 10000 --queries 3000
    python bench/referrals/nearest.py --services 100000 --queries 3000 --postgres

Loads the route's HSPs (the demo's 42 service points) and N published directory services spread
around the route's cities (clustered like a real directory: most within 30 km of a city, some
anywhere in the region), then asks `nearest_services` (limit 3, sometimes with a service type or a
country) from random points near the route, and compares with a brute-force scan of every row.
Then renders the public map page (/map/, all countries and one country) and sums the gzip sizes
of the HTML and of the stylesheets and scripts it loads (what a first visit transfers without
map tiles), and the same with Leaflet (loaded only when the visitor opens the map). Prints:

    referrals_nearest db=.. services=.. queries=.. p50_ms=.. p95_ms=.. p99_ms=.. brute_p95_ms=.. mismatches=0
    referrals_page_weight page=/map/ places=.. html_gz_kb=.. css_gz_kb=.. js_gz_kb=.. first_load_kb=..
                          with_map_kb=.. budget_kb=150
"""

import argparse
import gzip
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_DB = "caminante_bench_referrals"
BUDGET_KB = 150


def _setup(args) -> str:
    os.environ["CAMINANTE_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "caminante.settings"
    if args.postgres:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
                conn.execute(f'DROP DATABASE "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["CAMINANTE_DATABASE_URL"] = PG_SERVER + PG_DB
    elif not os.environ.get("CAMINANTE_DATABASE_URL"):
        data_dir = Path(tempfile.gettempdir()) / "caminante-bench-referrals"
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("caminante.sqlite3", "caminante.sqlite3-wal", "caminante.sqlite3-shm"):
            (data_dir / name).unlink(missing_ok=True)
        os.environ["CAMINANTE_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _load(n_services: int, rng: random.Random) -> list:
    """The demo's HSPs and n directory services around them; returns the HSPs."""
    from datetime import date
    from decimal import Decimal

    from caminante.core.demo import ensure_service_points
    from caminante.core.models import PartnerOrganisation
    from caminante.referrals.catalogue import EXTRA_SERVICE_TYPES
    from caminante.referrals.models import DirectoryService

    points = list(ensure_service_points().values())
    types = [*EXTRA_SERVICE_TYPES, "first-aid-phc", "food", "psychosocial-support"]
    orgs = {}
    for sp in points:
        ns = sp.national_society
        if ns.pk not in orgs:
            orgs[ns.pk] = [
                PartnerOrganisation.objects.create(national_society=ns, name=f"Bench org {ns.country.code} {i}")
                for i in range(20)
            ]
    rows = []
    for i in range(n_services):
        sp = rng.choice(points)
        if rng.random() < 0.9:  # near a city of the route
            lat = float(sp.latitude) + rng.gauss(0, 0.15)
            lon = float(sp.longitude) + rng.gauss(0, 0.15)
        else:  # anywhere in the region
            lat, lon = rng.uniform(-40, 12), rng.uniform(-82, -35)
        rows.append(
            DirectoryService(
                national_society=sp.national_society,
                organisation=rng.choice(orgs[sp.national_society_id]),
                name=f"Servicio {i}",
                service_type=rng.choice(types),
                city=sp.city,
                latitude=Decimal(f"{max(-89.9, min(89.9, lat)):.6f}"),
                longitude=Decimal(f"{lon:.6f}"),
                email="bench@example.org",
                opening_hours="Lun–Vie 8:00–17:00",
                what_to_bring="Documento de identidad si lo tiene",
                last_verified=date.today(),
            )
        )
    DirectoryService.objects.bulk_create(rows, batch_size=2000)
    return points


def _brute(lat, lon, country, service_type, limit):
    """Every public row's coordinates, sorted by distance: the baseline (and the check)."""
    from caminante.referrals.selectors import haversine_km, public_directory, public_hsps

    rows = [
        *public_hsps(country, service_type).order_by().values_list("name", "latitude", "longitude"),
        *public_directory(country, service_type).order_by().values_list("name", "latitude", "longitude"),
    ]
    rows.sort(key=lambda r: haversine_km(lat, lon, float(r[1]), float(r[2])))
    return [r[0] for r in rows[:limit]]


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_nearest(vendor, points, n_services, n_queries, n_brute, rng):
    from caminante.referrals.catalogue import EXTRA_SERVICE_TYPES
    from caminante.referrals.selectors import nearest_services

    times, brute_times, mismatches = [], [], 0
    for i in range(n_queries):
        sp = rng.choice(points)
        lat = float(sp.latitude) + rng.gauss(0, 0.3)
        lon = float(sp.longitude) + rng.gauss(0, 0.3)
        kind = i % 4
        service_type = rng.choice(list(EXTRA_SERVICE_TYPES)) if kind == 1 else None
        country = sp.national_society.country.code if kind == 2 else None
        start = time.perf_counter()
        got = nearest_services(latitude=lat, longitude=lon, country=country, service_type=service_type, limit=3)
        times.append((time.perf_counter() - start) * 1000)
        if i < n_brute:
            start = time.perf_counter()
            expected = _brute(lat, lon, country, service_type, 3)
            brute_times.append((time.perf_counter() - start) * 1000)
            mismatches += [g.name for g in got] != expected
    print(
        f"referrals_nearest db={vendor} services={n_services} queries={n_queries} "
        f"p50_ms={statistics.median(times):.2f} p95_ms={_percentile(times, 0.95):.2f} "
        f"p99_ms={_percentile(times, 0.99):.2f} brute_p95_ms={_percentile(brute_times, 0.95):.1f} "
        f"mismatches={mismatches}/{len(brute_times)}"
    )


def bench_page_weight():
    from django.contrib.staticfiles import finders
    from django.test import Client

    def gz(data: bytes) -> int:
        return len(gzip.compress(data, 6))

    leaflet = sum(
        gz(Path(finders.find(f"referrals/vendor/leaflet/{name}")).read_bytes())
        for name in ("leaflet.js", "leaflet.css")
    )
    client = Client(HTTP_HOST="localhost")
    for query in ("", "?country=CO"):
        response = client.get("/map/" + query, HTTP_ACCEPT_LANGUAGE="es")
        html = response.content.decode()
        css = sum(
            gz(Path(finders.find(u.removeprefix("/static/"))).read_bytes())
            for u in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        )
        js = sum(
            gz(Path(finders.find(u.removeprefix("/static/"))).read_bytes())
            for u in re.findall(r'<script src="([^"]+)"', html)
        )
        first = gz(response.content) + css + js
        places = html.count('class="place ')
        print(
            f"referrals_page_weight page=/map/{query} places={places} "
            f"html_kb={len(response.content) / 1024:.1f} html_gz_kb={gz(response.content) / 1024:.1f} "
            f"css_gz_kb={css / 1024:.1f} js_gz_kb={js / 1024:.1f} first_load_kb={first / 1024:.1f} "
            f"with_map_kb={(first + leaflet) / 1024:.1f} budget_kb={BUDGET_KB}"
        )
        assert first < BUDGET_KB * 1024, "the public map's first load is over budget"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 services, 300 queries (CI)")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--postgres", action="store_true", help=f"run on PostgreSQL ({PG_DB})")
    args = parser.parse_args()
    if args.quick:
        args.queries = 300
    rng = random.Random(20261128)
    vendor = _setup(args)
    start = time.perf_counter()
    points = _load(args.services, rng)
    load_s = time.perf_counter() - start
    print(f"referrals_load db={vendor} services={args.services} hsps={len(points)} load_s={load_s:.1f}")
    bench_nearest(vendor, points, args.services, args.queries, 20 if args.quick else 200, rng)
    bench_page_weight()


if __name__ == "__main__":
    main()
