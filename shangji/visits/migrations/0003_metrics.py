"""The manager's page (V4): a visit's record delay and whether its committed action was done, derived at write
time, filled here for visits recorded before."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    recorded = Visit.objects.filter(status="recorded", visited_at__isnull=False)
    for pk, visited_at, recorded_at in recorded.filter(recorded_at__isnull=False).values_list(
            "pk", "visited_at", "recorded_at").iterator():
        Visit.objects.filter(pk=pk).update(record_delay_s=int((recorded_at - visited_at).total_seconds()))
    chains: dict[int, list] = {}
    for pk, customer_id, done in recorded.order_by("customer_id", "visited_at", "id").values_list(
            "pk", "customer_id", "previous_action_done").iterator():
        chains.setdefault(customer_id, []).append((pk, done))
    for chain in chains.values():
        for (pk, _done), (_next_pk, next_done) in zip(chain, chain[1:], strict=False):
            Visit.objects.filter(pk=pk).update(action_done=next_done is True)


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_default_vocabularies")]

    operations = [
        migrations.AddField(
            model_name="visit", name="record_delay_s",
            field=models.IntegerField(blank=True, editable=False, null=True, verbose_name="记录延迟（秒）")),
        migrations.AddField(
            model_name="visit", name="action_done",
            field=models.BooleanField(blank=True, editable=False, null=True, verbose_name="承诺动作已完成")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
