"""P2/P3 defaults: 技术对接, the three pipelines, deliverable kinds, 《客户需求清单》 and the stage gates.
Existing deals join 标准流程 and the kanban counters are rebuilt per pipeline."""

from decimal import Decimal, InvalidOperation

from django.db import migrations
from django.db.models import Count, Sum

from shangji.pipeline.defaults import STANDARD, install_pipeline_defaults


def fast_deal_max_amount(apps) -> Decimal:
    """The registered setting `pipeline.fast_deal_max_amount`, read from the historical override table."""
    from shangji.core.registry import REGISTRY

    default = REGISTRY["pipeline.fast_deal_max_amount"].default
    override = (apps.get_model("core", "SettingValue").objects.filter(key="pipeline.fast_deal_max_amount")
                .values_list("value", flat=True).first())
    try:
        return Decimal(str(override)) if override is not None else default
    except InvalidOperation:
        return default


def install(apps, schema_editor):
    install_pipeline_defaults(apps.get_model, fast_deal_max_amount=fast_deal_max_amount(apps))
    Pipeline = apps.get_model("pipeline", "Pipeline")
    standard = Pipeline.objects.filter(name=STANDARD).first() or Pipeline.objects.get(is_default=True)
    Opportunity = apps.get_model("pipeline", "Opportunity")
    Opportunity.objects.filter(pipeline__isnull=True).update(pipeline=standard)
    PipelineTotal = apps.get_model("pipeline", "PipelineTotal")
    PipelineTotal.objects.all().delete()
    rows = (Opportunity.objects.order_by().values("pipeline_id", "stage_id", "owner_id", "region_id")
            .annotate(n=Count("pk"), total=Sum("amount")))
    PipelineTotal.objects.bulk_create(
        (PipelineTotal(pipeline_id=row["pipeline_id"], stage_id=row["stage_id"], owner_id=row["owner_id"],
                       region_key=row["region_id"] or 0, count=row["n"], amount=row["total"] or 0)
         for row in rows.iterator()), batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0007_pipelines_and_gates"), ("core", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
