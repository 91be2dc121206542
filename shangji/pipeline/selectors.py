"""Reads for the pipeline; every query starts from `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shangji.core.registry import setting
from shangji.core.visibility import scope_for
from shangji.pipeline.models import FormSubmission, LostReason, Opportunity, PipelineTotal, Stage, StageChange
from shangji.pipeline.pipelines import pipeline_stages


def stage_list() -> QuerySet[Stage]:
    """Stages are configuration, readable by every signed-in user."""
    return Stage.objects.filter(is_active=True)


def lost_reason_list() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True)


def opportunity_list(*, user) -> QuerySet[Opportunity]:
    return Opportunity.objects.visible_to(user).select_related("customer", "owner", "stage", "region", "pipeline")


def opportunity_get(*, user, pk: int) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.visible_to(user).select_related("customer", "owner", "stage", "region", "lost_reason",
                                                            "pipeline"),
        pk=pk,
    )


def stage_history(*, opportunity: Opportunity) -> QuerySet[StageChange]:
    """The caller already holds a visible opportunity (from opportunity_get)."""
    return opportunity.stage_changes.select_related("from_stage", "to_stage", "changed_by")


def form_submissions(*, opportunity: Opportunity) -> QuerySet[FormSubmission]:
    """P2 questionnaires filled for a visible deal, newest first."""
    return opportunity.form_submissions.select_related("template", "submitted_by").order_by("-submitted_at", "-id")


def deal_activities(*, opportunity: Opportunity, limit: int = 30):
    """Activities recorded for a visible deal (P2 activity gates), newest first."""
    activities = opportunity.interactions.select_related("created_by", "contact").order_by("-occurred_at", "-id")
    return list(activities[:limit])


def stuck_before() -> datetime:
    """Open deals that entered their stage before this moment count as stuck (P4)."""
    return timezone.now() - timedelta(days=setting("pipeline.stuck_days"))


@dataclass
class KanbanColumn:
    stage: Stage
    count: int
    total: Decimal
    cards: list[Opportunity]


# Filters the counters can answer; any other active filter makes the sums a live aggregate.
COUNTER_FILTERS = frozenset({"region", "owner", "mine", "pipeline"})


def kanban_columns(*, user, queryset: QuerySet[Opportunity], filters: dict | None) -> list[KanbanColumn]:
    """P4 kanban: per stage, the count and amount sum of all matching deals plus the newest cards.

    `queryset` is `opportunity_list(user=user)` filtered by `filters` (the filter form's cleaned data);
    sums cover all of it. `filters=None` (an invalid filter form) always aggregates live. With a
    `pipeline` filter (P3) the columns are that pipeline's stages in its order, else every active stage.
    """
    active = {name for name, value in (filters or {}).items() if value not in (None, "", False)}
    pipeline = (filters or {}).get("pipeline")
    if filters is not None and active <= COUNTER_FILTERS:
        owner_id = user.pk if filters.get("mine") else filters.get("owner")
        totals = _totals_from_counters(user=user, region=filters.get("region"), owner_id=owner_id,
                                       pipeline=pipeline)
    else:
        totals = _aggregate(queryset)
    per_column = setting("pipeline.kanban_cards_per_column")
    columns = []
    for stage in (pipeline_stages(pipeline) if pipeline is not None else stage_list()):
        row = totals.get(stage.pk, {})
        cards = list(queryset.filter(stage=stage).order_by("-updated_at", "-id")[:per_column]) if row else []
        columns.append(KanbanColumn(stage=stage, count=row.get("n", 0), total=row.get("total") or Decimal("0"),
                                    cards=cards))
    return columns


def _aggregate(deals: QuerySet[Opportunity]) -> dict[int, dict]:
    return {row["stage_id"]: row for row in deals.order_by().values("stage_id")
            .annotate(n=Count("pk"), total=Sum("amount"))}


def _totals_from_counters(*, user, region, owner_id: int | None, pipeline=None) -> dict[int, dict]:
    """Column sums from PipelineTotal: deals owned within the user's scope, plus the few deals the user
    sees through a share whose owner is outside that scope (counted live, so nothing is counted twice)."""
    scope = scope_for(user)
    counters = PipelineTotal.objects.order_by()
    if region is not None:
        counters = counters.filter(region_key=region.pk)
    if owner_id is not None:
        counters = counters.filter(owner_id=owner_id)
    if pipeline is not None:
        counters = counters.filter(pipeline=pipeline)
    if not scope.sees_all:
        counters = counters.filter(owner_id__in=scope.owner_ids)
    totals = {row["stage_id"]: row for row in counters.values("stage_id")
              .annotate(n=Sum("count"), total=Sum("amount"))}
    if scope.sees_all or scope.user_id is None:
        return totals
    shared = Opportunity.objects.filter(Opportunity.shared_q(scope)).exclude(owner_id__in=scope.owner_ids)
    if region is not None:
        shared = shared.filter(region=region)
    if owner_id is not None:
        shared = shared.filter(owner_id=owner_id)
    if pipeline is not None:
        shared = shared.filter(pipeline=pipeline)
    for stage_id, row in _aggregate(shared).items():
        base = totals.setdefault(stage_id, {"n": 0, "total": Decimal("0")})
        base["n"] += row["n"]
        base["total"] = (base["total"] or Decimal("0")) + (row["total"] or Decimal("0"))
    return totals


def stage_changes_visible(*, user) -> QuerySet[StageChange]:
    """P4 queries (regressions, skips) over the deals the user may see."""
    return StageChange.objects.filter(opportunity__in=Opportunity.objects.visible_to(user).values("pk")).select_related(
        "opportunity", "from_stage", "to_stage", "changed_by")


def regressions(*, user, since: datetime | None = None, from_stage: Stage | None = None,
                to_stage: Stage | None = None) -> QuerySet[StageChange]:
    changes = stage_changes_visible(user=user).filter(is_regression=True)
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    if from_stage is not None:
        changes = changes.filter(from_stage=from_stage)
    if to_stage is not None:
        changes = changes.filter(to_stage=to_stage)
    return changes


def skip_rate(*, user, since: datetime | None = None) -> float:
    """Share of forward moves that skipped at least one stage (P4 target < 5 %)."""
    changes = stage_changes_visible(user=user).filter(from_stage__isnull=False, is_regression=False,
                                                      to_stage__is_lost=False)
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    counts = changes.aggregate(total=Count("pk"), skips=Count("pk", filter=Q(is_skip=True)))
    return counts["skips"] / counts["total"] if counts["total"] else 0.0
