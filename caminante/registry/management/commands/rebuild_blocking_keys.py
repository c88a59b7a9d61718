from django.core.management.base import BaseCommand
from django.db import connection, transaction

from caminante.registry import keys
from caminante.registry.models import Person, PersonBlockingKey


class Command(BaseCommand):
    help = (
        "Recompute the stored blocking keys of every person (after a change of the matching engine's key rules); "
        "the registration duplicate check finds its candidates through them."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            written = keys.fill(Person, PersonBlockingKey)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # so the duplicate check's scans stay index-only
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(PersonBlockingKey._meta.db_table)}")
        self.stdout.write(f"{written} blocking keys written")
