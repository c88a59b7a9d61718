"""Household memberships get an end: a person belongs to one current household.

Before this, choosing an existing registration as "same person" in a new household left the
person in the old one too. The repair keeps each person's newest membership and ends the older
ones (end reason "repaired"); it prints how many it ended and in which households. The unique
rule itself comes in 0006, once the data satisfies it."""

import logging

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

logger = logging.getLogger("caminante.registry")


def repair(apps, schema_editor):
    """For each person in several households, end every membership but the newest."""
    membership = apps.get_model("registry", "Membership")
    db = schema_editor.connection.alias
    current = membership.objects.using(db).filter(ended_at__isnull=True)
    people = list(
        current.order_by()
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("person_id", flat=True)
    )
    if not people:
        return
    now = timezone.now()
    ended_ids, households = [], set()
    for start in range(0, len(people), 500):
        rows = (
            current.filter(person_id__in=people[start : start + 500])
            .select_related("household")
            .order_by("person_id", "-joined_at", "-id")
        )
        kept = set()
        for row in rows:
            if row.person_id not in kept:
                kept.add(row.person_id)  # the newest membership stays current
                continue
            ended_ids.append(row.pk)
            households.add(row.household.code)
    for start in range(0, len(ended_ids), 500):
        membership.objects.using(db).filter(pk__in=ended_ids[start : start + 500]).update(
            ended_at=now, end_reason="repaired"
        )
    message = (
        f"registry 0005: {len(people)} people were current members of several households; "
        f"ended {len(ended_ids)} older membership(s), kept each person's newest. "
        f"Households left: {', '.join(sorted(households))}"
    )
    logger.warning(message)
    print(f"\n  {message}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_person_blocking_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Superseded by membership_one_current_household (0006): a person may leave a household
        # and come back later, the ended membership staying as history.
        migrations.RemoveConstraint(model_name="membership", name="membership_unique"),
        migrations.RemoveConstraint(model_name="membership", name="household_one_head"),
        migrations.AddField(
            model_name="membership",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("moved", "Moved to another household"),
                    ("repaired", "Ended by the data repair (the person was in several households)"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(repair, migrations.RunPython.noop, elidable=True),
    ]
