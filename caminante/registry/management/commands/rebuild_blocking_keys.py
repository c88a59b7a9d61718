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
        table = connection.ops.quote_name(PersonBlockingKey._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # VACUUM keeps the duplicate check's scans index-only; it cannot run in a transaction
                cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write(f"{written} blocking keys written")
