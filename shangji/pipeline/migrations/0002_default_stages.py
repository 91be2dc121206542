from django.db import migrations

from shangji.pipeline.defaults import install_defaults


def create_defaults(apps, schema_editor):
    install_defaults(apps.get_model("pipeline", "Stage"), apps.get_model("pipeline", "LostReason"))


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
