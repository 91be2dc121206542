from django.db import migrations

from shangji.automation.defaults import KEYS, install_defaults


def add_defaults(apps, schema_editor):
    install_defaults(apps.get_model("automation", "Rule"), apps.get_model("pipeline", "Stage"),
                     apps.get_model("core", "CustomField"))


def remove_defaults(apps, schema_editor):
    apps.get_model("automation", "Rule").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_initial"),
        ("pipeline", "0002_default_stages"),
        ("core", "0003_timers_custom_fields_freezes"),
    ]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
