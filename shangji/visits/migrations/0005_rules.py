from django.db import migrations

from shangji.visits.defaults import RULE_KEYS, install_rules


def add_rules(apps, schema_editor):
    install_rules(apps.get_model("automation", "Rule"))


def remove_rules(apps, schema_editor):
    apps.get_model("automation", "Rule").objects.filter(key__in=RULE_KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_brief"), ("automation", "0004_visit_entity")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
