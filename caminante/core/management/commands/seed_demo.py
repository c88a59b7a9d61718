"""`caminante seed-demo`: the demo data `make run` loads (demo mode only, idempotent).

1. The catalogue (National Societies, service types) and about 40 real service points.
2. One demo user per role and country, plus `analyst.regional` and `admin` (password
   `caminante-demo`).
3. A few thousand people in households with services over the past months and anonymous
   tallies, once: a second run finds the `demo.seeded` audit event and stops there (fast).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from caminante.core import audit
from caminante.core.demo import (
    DEMO_SEED,
    PeopleGenerator,
    analyze,
    ensure_demo_users,
    ensure_service_points,
    load_people,
    main_service_points,
    make_tallies,
    point_infos,
    seed_app_demos,
)
from caminante.core.models import AuditEvent, ServicePoint


def demo_mode() -> bool:
    return bool(getattr(settings, "DEMO_MODE", False) or settings.DEBUG)


class Command(BaseCommand):
    help = "Load the demo: service points on the route, demo users, people, services and tallies."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000, help="people to create (default 3000)")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (reproducible demo)")

    def handle(self, *args, people: int, seed: int, **options):
        if not demo_mode():
            raise CommandError(
                "seed-demo creates users with a published password and runs only in demo mode "
                "(CAMINANTE_DEMO=1 or CAMINANTE_DEBUG=1)."
            )
        started = time.monotonic()
        points = ensure_service_points()
        users = ensure_demo_users(points)
        if AuditEvent.objects.filter(action="demo.seeded").exists():
            for summary in seed_app_demos(points, users):
                self.stdout.write(summary)
            self.stdout.write(
                f"Demo data already loaded: {len(points)} service points and {len(users)} demo users checked "
                f"in {time.monotonic() - started:.1f} s."
            )
            return
        main = main_service_points(points)
        main_ids = {sp.pk for sp in main.values()}
        # Records are created by the HSP's volunteer at the main point, by the officer elsewhere.
        created_by = {}
        for sp in points.values():
            country = sp.national_society.country.code.lower()
            role = "volunteer" if sp.pk in main_ids else "officer"
            created_by[sp.pk] = users[f"{role}.{country}"].pk
        today_share = {sp.pk: (0.12 if sp.pk in main_ids else 0.03) for sp in points.values()}
        ordered = list(
            ServicePoint.objects.filter(pk__in=[sp.pk for sp in points.values()])
            .select_related("national_society")
            .prefetch_related("services")
        )
        from caminante.core.demo import SERVICE_POINTS

        weight_by_code = {spec.code: spec.weight for spec in SERVICE_POINTS}
        ordered.sort(key=lambda sp: sp.code)
        infos = point_infos(ordered, created_by, today_share)
        weights = [weight_by_code[sp.code] for sp in ordered]
        generator = PeopleGenerator(seed, infos, weights)
        report = load_people(generator, people, batch_size=5000)
        tallies = make_tallies(ordered, seed, created_by=created_by)
        analyze()
        audit.record(
            None,
            "demo.seeded",
            data={
                "service_points": len(points),
                "users": len(users),
                "people": report.people,
                "households": report.households,
                "deliveries": report.deliveries,
                "tallies": tallies,
                "seed": seed,
            },
        )
        for summary in seed_app_demos(points, users):
            self.stdout.write(summary)
        self.stdout.write(
            f"Demo loaded in {time.monotonic() - started:.1f} s: {len(points)} service points, "
            f"{len(users)} demo users, {report.people} people in {report.households} households, "
            f"{report.deliveries} services delivered, {tallies} anonymous tallies."
        )
