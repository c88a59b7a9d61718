"""`caminante seed-load --people N`: bulk synthetic people for benchmarks.

Creates the service points if missing (the same ones as the demo), then N people in
households with consents, service point links and services delivered, written in batches
(COPY on PostgreSQL, executemany on SQLite), each batch in one transaction, and refreshes the
planner statistics. No users are created. Meant for benchmark databases, not production.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from caminante.core.demo import (
    SERVICE_POINTS,
    PeopleGenerator,
    analyze,
    ensure_service_points,
    load_people,
    point_infos,
)
from caminante.core.management.commands.seed_demo import demo_mode
from caminante.core.models import ServicePoint


class Command(BaseCommand):
    help = "Load N synthetic people (with households and services) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--batch", type=int, default=10_000, help="people per transaction")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, people: int, batch: int, seed, quiet: bool, **options):
        if people < 1 or batch < 1:
            raise CommandError("--people and --batch must be positive.")
        if not demo_mode():
            self.stderr.write(
                "Warning: not in demo mode. seed-load writes synthetic people into this database; "
                "use it on benchmark databases only."
            )
        started = time.monotonic()
        points = ensure_service_points()
        ordered = list(
            ServicePoint.objects.filter(pk__in=[sp.pk for sp in points.values()])
            .select_related("national_society")
            .prefetch_related("services")
            .order_by("code")
        )
        weight_by_code = {spec.code: spec.weight for spec in SERVICE_POINTS}
        seed = random.randrange(2**32) if seed is None else seed
        generator = PeopleGenerator(seed, point_infos(ordered), [weight_by_code[sp.code] for sp in ordered])

        def progress(report, seconds):
            if not quiet:
                rate = report.people / seconds if seconds else 0
                self.stdout.write(f"  {report.people:>10,} people  {seconds:7.1f} s  {rate:,.0f}/s")

        report = load_people(generator, people, batch_size=batch, progress=progress)
        analyze_started = time.monotonic()
        analyze()
        self.stdout.write(
            f"seed-load people={report.people} households={report.households} deliveries={report.deliveries} "
            f"consents={report.consents} seed={seed} load_s={report.seconds:.1f} "
            f"analyze_s={time.monotonic() - analyze_started:.1f} total_s={time.monotonic() - started:.1f}"
        )
