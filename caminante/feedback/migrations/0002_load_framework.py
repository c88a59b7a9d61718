from django.db import migrations


def load(apps, schema_editor):
    from caminante.feedback.framework import load_framework

    load_framework(apps.get_model("feedback", "FrameworkVersion"), apps.get_model("feedback", "FrameworkEntry"))


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
