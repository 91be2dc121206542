from django.db import migrations

from shangji.customers.defaults import install_defaults


def create_defaults(apps, schema_editor):
    install_defaults(apps.get_model("customers", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
