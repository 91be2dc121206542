"""P3: which pipeline a deal follows, and the stage order inside it.

Skips, regressions and the stages whose exit gates a move must pass are all computed against the
deal's own pipeline: a 大客户 deal going 需求确认 → 方案提交 skips 技术对接, a 小额快速 deal going
接触 → 方案提交 skips nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from shangji.pipeline.models import Pipeline, PipelineStage, Stage


def pipeline_list() -> QuerySet[Pipeline]:
    """Active pipelines, the default first (configuration, readable by every signed-in user)."""
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "priority", "id")


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(is_active=True, is_default=True).first() or pipeline_list().first()


def with_stages(pipelines: QuerySet[Pipeline]) -> QuerySet[Pipeline]:
    """Prefetch each pipeline's rows in order (read them with `ordered_stages`)."""
    rows = PipelineStage.objects.select_related("stage").order_by("sequence", "id")
    return pipelines.prefetch_related(Prefetch("stage_rows", queryset=rows, to_attr="ordered_rows"))


def pipeline_stages(pipeline: Pipeline, *, include_inactive: bool = False) -> list[Stage]:
    """The pipeline's stages in its order (active stages only unless asked)."""
    rows = getattr(pipeline, "ordered_rows", None)
    if rows is None:
        rows = list(PipelineStage.objects.filter(pipeline=pipeline).select_related("stage").order_by("sequence", "id"))
        pipeline.ordered_rows = rows
    return [row.stage for row in rows if include_inactive or row.stage.is_active]


def in_pipeline(pipeline: Pipeline, stage: Stage) -> bool:
    return any(candidate.pk == stage.pk for candidate in pipeline_stages(pipeline))


def pipeline_for(*, customer, amount: Decimal | None, stage: Stage | None = None) -> Pipeline:
    """P3: the first active pipeline by priority whose segment matches the customer's scale and the amount
    (and which has `stage`, when the deal starts further down the funnel); else the default pipeline."""
    pipelines = list(with_stages(pipeline_list()))
    if not pipelines:
        raise ValidationError({"pipeline": [_("没有启用的销售流程，请联系销售运营配置。")]})
    fits = [p for p in pipelines if stage is None or in_pipeline(p, stage)]
    for pipeline in sorted(fits, key=lambda p: (p.priority, p.pk)):
        if not pipeline.is_default and pipeline.matches(scale=customer.scale, amount=amount):
            return pipeline
    for pipeline in fits:
        if pipeline.is_default:
            return pipeline
    if fits:
        return fits[0]
    raise ValidationError({"stage": [_("阶段“%(stage)s”不在任何启用的销售流程中。") % {"stage": stage.name}]})


def position(order: list[Stage], stage: Stage) -> float:
    """Index of the stage in the pipeline order; a stage outside it sits between its sequence neighbours."""
    for index, candidate in enumerate(order):
        if candidate.pk == stage.pk:
            return float(index)
    return next((index - 0.5 for index, candidate in enumerate(order) if candidate.sequence > stage.sequence),
                len(order) - 0.5)


def classify(order: list[Stage], from_stage: Stage, to_stage: Stage) -> tuple[bool, bool]:
    """(is_regression, is_skip) in this order. Lost is reachable from anywhere, so moving to it is neither;
    reopening a lost deal is counted as a reopen in its audit row."""
    if to_stage.is_lost or from_stage.is_lost:
        return False, False
    start, end = position(order, from_stage), position(order, to_stage)
    if end < start:
        return True, False
    return False, bool(skipped_stages(order, from_stage, to_stage))


def is_forward(order: list[Stage], from_stage: Stage, to_stage: Stage) -> bool:
    """Only forward moves are gated: not to or from a lost stage, and further down this pipeline."""
    if to_stage.is_lost or from_stage.is_lost:
        return False
    return position(order, to_stage) > position(order, from_stage)


def skipped_stages(order: list[Stage], from_stage: Stage, to_stage: Stage) -> list[Stage]:
    """Open stages of the pipeline strictly between the two."""
    start, end = position(order, from_stage), position(order, to_stage)
    return [stage for index, stage in enumerate(order) if start < index < end and not stage.is_lost]


def stages_left(order: list[Stage], from_stage: Stage, to_stage: Stage) -> list[Stage]:
    """P2: a forward move leaves the current stage and every stage it skips; their exit gates apply."""
    return [from_stage, *skipped_stages(order, from_stage, to_stage)]
