"""A person is a current member of at most one household; a household has at most one current head."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_membership_ended"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("person",),
                name="membership_one_current_household",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True), ("relationship", "head")),
                fields=("household",),
                name="household_one_head",
            ),
        ),
    ]
