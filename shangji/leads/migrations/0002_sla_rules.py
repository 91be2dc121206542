from django.db import migrations

from shangji.leads.defaults import KEYS, install_defaults


def add_defaults(apps, schema_editor):
    install_defaults(apps.get_model("automation", "Rule"))


def remove_defaults(apps, schema_editor):
    apps.get_model("automation", "Rule").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("automation", "0003_alter_rule_entity_alter_rule_start_event"),
    ]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
