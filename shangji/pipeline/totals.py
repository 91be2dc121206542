"""Maintenance of PipelineTotal: called by the pipeline services inside their transactions."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum

from shangji.pipeline.models import Opportunity, PipelineTotal


def pipeline_totals_add(*, pipeline_id: int, stage_id: int, owner_id: int, region_id: int | None, count: int,
                        amount: Decimal) -> None:
    """Add (or with negative values remove) deals to one counter row; safe under concurrency."""
    key = {"pipeline_id": pipeline_id, "stage_id": stage_id, "owner_id": owner_id, "region_key": region_id or 0}
    # Create the row if missing without racing another writer, then increment in the database (F()).
    PipelineTotal.objects.bulk_create([PipelineTotal(**key)], ignore_conflicts=True)
    PipelineTotal.objects.filter(**key).update(count=F("count") + count, amount=F("amount") + amount)


def pipeline_totals_count(opportunity: Opportunity, sign: int) -> None:
    """Count (+1) or uncount (-1) one deal as it stands now."""
    pipeline_totals_add(pipeline_id=opportunity.pipeline_id, stage_id=opportunity.stage_id,
                        owner_id=opportunity.owner_id, region_id=opportunity.region_id, count=sign,
                        amount=sign * opportunity.amount)


@transaction.atomic
def pipeline_totals_rebuild() -> int:
    """Recompute every counter from the deals (after a bulk load, or to repair); returns the row count."""
    PipelineTotal.objects.all().delete()
    rows = (Opportunity.objects.order_by().values("pipeline_id", "stage_id", "owner_id", "region_id")
            .annotate(n=Count("pk"), total=Sum("amount")))
    PipelineTotal.objects.bulk_create(
        (PipelineTotal(pipeline_id=row["pipeline_id"], stage_id=row["stage_id"], owner_id=row["owner_id"],
                       region_key=row["region_id"] or 0, count=row["n"], amount=row["total"] or 0)
         for row in rows.iterator()),
        batch_size=2000,
    )
    return PipelineTotal.objects.count()
