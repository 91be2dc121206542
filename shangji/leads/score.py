"""L3: every lead's 0–100 score with its explanation, and the predictive model's training.

The score blends a rule part (weights in the settings registry) with the newest predictive model trained on the
company's own closed leads. Each part explains itself in points; the blended lines are rounded so they still sum
exactly to the score. Without a model (too little history) the rule part is the score, and the explanation says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.leads.choices import Budget, LeadStatus
from shangji.leads.models import Lead, ScoringModel
from shangji.leads.scoring import BASE_LABEL, CUSTOM_FIELD_KINDS, FieldSpec, Model, NotEnoughHistory, fit
from shangji.leads.scoring.predictive import round_to_total

_BUDGET_SHARE = {Budget.UNDER_10W: 0.0, Budget.FROM_10W: 0.4, Budget.FROM_50W: 0.75, Budget.OVER_100W: 1.0}
_SCALE_SHARE = {"large": 1.0, "medium": 0.5, "small": 0.2, "micro": 0.0}
_SIMILAR_SMOOTHING = 10  # pseudo-leads pulling a small group's rate towards the overall rate
_STATS_SECONDS = 300.0  # how long one process reuses the historical conversion rates (they move slowly)

Lines = list[tuple[str, int]]


@dataclass(frozen=True)
class Scored:
    score: int
    lines: Lines
    model_id: int | None


# ---------------------------------------------------------------------------------------------------------
# Rule part


class _History:
    """Conversion counts of closed leads per industry and per (industry, channel), refreshed every few minutes
    per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -_STATS_SECONDS
        self._groups: dict[tuple, tuple[int, int]] = {}
        self._overall = (0, 0)

    def rates(self) -> tuple[dict[tuple, tuple[int, int]], tuple[int, int]]:
        with self._lock:
            if time.monotonic() - self._at > _STATS_SECONDS:
                rows = (Lead.objects.filter(status__in=(LeadStatus.CONVERTED, LeadStatus.ARCHIVED))
                        .values("industry_id", "channel")
                        .annotate(closed=Count("id"), won=Count("id", filter=Q(status=LeadStatus.CONVERTED))))
                groups: dict[tuple, tuple[int, int]] = {}
                for r in rows:
                    groups[(r["industry_id"], r["channel"])] = (r["won"], r["closed"])
                    won, closed = groups.get((r["industry_id"],), (0, 0))
                    groups[(r["industry_id"],)] = (won + r["won"], closed + r["closed"])
                self._groups = groups
                self._overall = (sum(g[0] for k, g in groups.items() if len(k) == 1),
                                 sum(g[1] for k, g in groups.items() if len(k) == 1))
                self._at = time.monotonic()
            return self._groups, self._overall

    def forget(self) -> None:
        with self._lock:
            self._at = -_STATS_SECONDS


history = _History()


def _target_industries(lead: Lead) -> set[str]:
    names = {name.strip() for name in setting("leads.target_industries").replace("，", ",").split(",") if name.strip()}
    if lead.campaign_id and lead.campaign.industry_id:
        names.add(lead.campaign.industry.name)
    return names


def rule_lines(lead: Lead) -> Lines:
    """``[(label, points), …]`` of the rule part, the base first; sums to a score within 0–100."""
    lines: list[tuple[str, float]] = [(BASE_LABEL, setting("leads.score_base"))]
    weight = setting("leads.weight_win_rate")
    groups, (won_all, closed_all) = history.rates()
    if weight and closed_all and 0 < won_all < closed_all:
        overall = won_all / closed_all
        # Same industry and channel, shrunk towards the same industry, shrunk towards everyone.
        won, closed = groups.get((lead.industry_id,), (0, 0))
        industry_rate = (won + overall * _SIMILAR_SMOOTHING) / (closed + _SIMILAR_SMOOTHING)
        won, closed = groups.get((lead.industry_id, lead.channel), (0, 0))
        rate = (won + industry_rate * _SIMILAR_SMOOTHING) / (closed + _SIMILAR_SMOOTHING)
        spread = max(overall, 1 - overall)
        points = weight * max(-1.0, min(1.0, (rate - overall) / spread * 2))
        lines.append((_("同类线索历史转化率 %(rate)s%%（整体 %(overall)s%%）") % {
            "rate": round(rate * 100), "overall": round(overall * 100)}, points))
    weight = setting("leads.weight_industry")
    if weight and lead.industry_id:
        if lead.industry.name in _target_industries(lead):
            lines.append((_("行业匹配: %(industry)s") % {"industry": lead.industry.name}, weight))
        else:
            lines.append((_("非目标行业: %(industry)s") % {"industry": lead.industry.name}, -weight / 3))
    weight = setting("leads.weight_budget")
    if weight:
        if lead.budget:
            lines.append((_("预算 %(budget)s") % {"budget": lead.get_budget_display()},
                          weight * _BUDGET_SHARE[Budget(lead.budget)]))
        else:
            lines.append((_("未填写预算"), -weight / 3))
    weight = setting("leads.weight_behaviour")
    if weight:
        if (lead.page_seconds or 0) >= setting("leads.engaged_page_seconds"):
            lines.append((_("页面停留 %(seconds)s 秒") % {"seconds": lead.page_seconds}, weight / 2))
        if lead.downloads:
            lines.append((_("下载资料 %(n)s 次") % {"n": lead.downloads}, weight / 2))
    weight = setting("leads.weight_firmographics")
    if weight:
        if lead.scale:
            lines.append((_("企业规模: %(scale)s") % {"scale": lead.get_scale_display()},
                          weight * _SCALE_SHARE[lead.scale]))
        if not lead.company.strip():
            lines.append((_("无公司名"), -weight * 0.6))
    return _rounded(lines)


def _rounded(lines: list[tuple[str, float]]) -> Lines:
    """Integer points summing to the rounded, clamped total; a clamp shows as its own line."""
    raw = sum(points for _label, points in lines)
    total = min(100, max(0, round(raw)))
    clamp = total - raw
    if abs(clamp) >= 0.5:
        lines = [*lines, (_("分数上限调整") if clamp < 0 else _("分数下限调整"), clamp)]
    integers = round_to_total([points for _label, points in lines], total)
    return [(label, points) for (label, _p), points in zip(lines, integers, strict=True)
            if points or label == BASE_LABEL]


# ---------------------------------------------------------------------------------------------------------
# Predictive part


def model_fields() -> list[FieldSpec]:
    """What the model may learn from: the lead's own fields and every active custom field of leads."""
    from shangji.core.customfields import custom_fields_for

    fields = [
        FieldSpec("channel", _("渠道")), FieldSpec("source", _("来源")), FieldSpec("campaign", _("市场活动")),
        FieldSpec("industry", _("行业")), FieldSpec("region", _("大区")), FieldSpec("city", _("地市")),
        FieldSpec("budget", _("预算")), FieldSpec("scale", _("企业规模")),
        FieldSpec("has_company", _("填写公司名"), "boolean"), FieldSpec("phone_valid", _("手机号有效"), "boolean"),
        FieldSpec("consent", _("同意联系"), "boolean"), FieldSpec("page_seconds", _("页面停留秒数"), "number"),
        FieldSpec("downloads", _("下载次数"), "number"),
    ]
    for field in custom_fields_for("lead"):
        kind = CUSTOM_FIELD_KINDS.get(field.field_type)
        if kind:
            fields.append(FieldSpec(f"custom.{field.key}", field.label, kind))
    return fields


def model_row(lead: Lead) -> dict:
    row = {
        "channel": lead.get_channel_display() if lead.channel else "", "source": lead.get_source_display(),
        "campaign": lead.campaign.name if lead.campaign_id else "",
        "industry": lead.industry.name if lead.industry_id else "",
        "region": lead.region.name if lead.region_id else "", "city": lead.city.name if lead.city_id else "",
        "budget": lead.get_budget_display() if lead.budget else "",
        "scale": lead.get_scale_display() if lead.scale else "", "has_company": bool(lead.company.strip()),
        "phone_valid": lead.phone_valid, "consent": lead.consent, "page_seconds": lead.page_seconds,
        "downloads": lead.downloads,
    }
    for key, value in (lead.custom or {}).items():
        row[f"custom.{key}"] = value
    return row


_model_cache: dict[str, tuple[int | None, Model | None, float]] = {}


def active_model() -> tuple[int | None, Model | None]:
    """The newest active model, decoded once per process and re-checked every few seconds."""
    cached = _model_cache.get("active")
    if cached and time.monotonic() - cached[2] < 5.0:
        return cached[0], cached[1]
    row = ScoringModel.objects.filter(is_active=True).values_list("pk", flat=True).first()
    if cached and cached[0] == row:
        _model_cache["active"] = (row, cached[1], time.monotonic())
        return row, cached[1]
    model = None
    if row is not None:
        model = Model.from_json(ScoringModel.objects.get(pk=row).model["json"])
    _model_cache["active"] = (row, model, time.monotonic())
    return row, model


def lead_score(lead: Lead) -> Scored:
    """The blended score and its lines (rule part, then the model's, each weighted by its share)."""
    rule = rule_lines(lead)
    model_id, model = active_model()
    share = setting("leads.model_share") / 100 if model is not None else 0.0
    if not share:
        note = [] if model is not None else [(_("预测模型：历史数据不足，暂用规则评分"), 0)]
        return Scored(sum(p for _l, p in rule), rule + note, model_id if model else None)
    predicted = model.explain(model_row(lead))
    weighted = [(label, points * (1 - share)) for label, points in rule]
    weighted += [(_("预测基础分") if label == BASE_LABEL else _("预测·%(factor)s") % {"factor": label}, points * share)
                 for label, points in predicted]
    total = round(sum(points for _l, points in weighted))
    integers = round_to_total([points for _l, points in weighted], total)
    lines = [(label, points) for (label, _p), points in zip(weighted, integers, strict=True)
             if points or label == BASE_LABEL]
    return Scored(total, lines, model_id)


# ---------------------------------------------------------------------------------------------------------
# Training


def training_set(*, since=None) -> tuple[list[dict], list[int]]:
    """Closed leads, oldest first: converted = 1, archived = 0."""
    leads = (Lead.objects.filter(status__in=(LeadStatus.CONVERTED, LeadStatus.ARCHIVED))
             .select_related("campaign", "industry", "region", "city").order_by("created_at", "id"))
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    rows, labels = [], []
    for lead in leads.iterator(chunk_size=2000):
        rows.append(model_row(lead))
        labels.append(1 if lead.status == LeadStatus.CONVERTED else 0)
    return rows, labels


def scoring_model_train(*, now=None) -> ScoringModel | None:
    """Fit on the closed leads; store and activate the model. None (and the old model kept) without enough history."""
    rows, labels = training_set()
    try:
        model = fit(rows, labels, fields=model_fields(), min_class_count=setting("leads.model_min_class_count"))
    except NotEnoughHistory:
        return None
    now = now or timezone.now()
    record = ScoringModel.objects.create(
        trained_at=now, rows=len(labels), positives=sum(labels), metrics=model.info,
        model={"json": model.to_json()}, is_active=True)
    ScoringModel.objects.exclude(pk=record.pk).filter(is_active=True).update(is_active=False)
    history.forget()
    _model_cache.clear()  # this process scores with it at once; others within a few seconds
    return record
