"""L3 on real Lead rows: the rule part follows the settings, the predictive part is trained on closed leads
(custom fields included), blends in, and every explanation sums exactly to the score."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from shangji.core.models import CustomField
from shangji.core.services import setting_update
from shangji.customers.models import Industry
from shangji.leads.choices import LeadStatus, Source
from shangji.leads.models import Lead, ScoringModel
from shangji.leads.score import history, lead_score, scoring_model_train
from shangji.leads.services import LeadInput, lead_capture, lead_rescore

pytestmark = pytest.mark.django_db


def points(lead) -> dict[str, int]:
    return {line["label"]: line["points"] for line in lead.score_explanation}


def capture(**fields):
    return lead_capture(source=Source.API, data=LeadInput(**{"name": "黄先生", "phone": "13800138000", **fields}))[0]


def test_the_rule_part_follows_the_weights_in_the_settings(actors):
    rich = capture(company="上海精工", industry="制造业", budget="gt100", scale="large", page_seconds=300, downloads=2)
    poor = capture(industry="教育", budget="")
    assert rich.score > poor.score
    assert points(rich)["行业匹配: 制造业"] == 18 and points(rich)["预算 100万以上"] == 16
    assert points(poor)["无公司名"] == -6 and points(poor)["未填写预算"] == -5
    assert any(label.startswith("预测模型：历史数据不足") for label in points(poor))
    setting_update(key="leads.weight_industry", raw_value="30", actor=actors.sales_ops)
    assert points(lead_rescore(lead=rich))["行业匹配: 制造业"] == 30
    for lead in (rich, poor):
        assert sum(points(lead).values()) == lead.score


def test_scores_are_clamped_to_100_with_the_clamp_shown(actors):
    setting_update(key="leads.score_base", raw_value="95", actor=actors.sales_ops)
    lead = capture(company="上海精工", industry="制造业", budget="gt100", scale="large")
    assert lead.score == 100 and "分数上限调整" in points(lead)
    assert sum(points(lead).values()) == 100


def _closed_history(n: int = 240) -> None:
    """Manufacturing leads with a big budget convert; the custom field "has_project" converts too."""
    CustomField.objects.create(entity="lead", key="has_project", label="已立项", field_type="boolean", sequence=1)
    rng = random.Random(4)
    industries = list(Industry.objects.all()[:4])
    now = timezone.now() - dt.timedelta(days=400)
    rows = []
    for i in range(n):
        industry = industries[i % len(industries)]
        has_project = rng.random() < 0.5
        chance = 0.15 + 0.5 * (industry.name == "制造业") + 0.3 * has_project
        status = LeadStatus.CONVERTED if rng.random() < chance else LeadStatus.ARCHIVED
        rows.append(Lead(name=f"历史{i}", source=Source.FORM, industry=industry, status=status,
                         custom={"has_project": has_project}, created_at=now + dt.timedelta(hours=i),
                         updated_at=now))
    Lead.objects.bulk_create(rows)
    history.forget()


def test_a_trained_model_blends_in_and_still_sums_exactly(actors):
    _closed_history()
    record = scoring_model_train()
    assert record is not None and record.is_active and record.rows == 240
    hot = capture(industry="制造业", custom={"has_project": True})
    cold = capture(industry="教育", custom={"has_project": False})
    assert hot.score > cold.score
    for lead in (hot, cold):
        labels = points(lead)
        assert "预测基础分" in labels and any(label.startswith("预测·已立项") for label in labels)
        assert sum(labels.values()) == lead.score
    assert lead_score(hot).model_id == record.pk


def test_too_little_history_keeps_the_previous_model_and_the_rule_score(actors):
    assert scoring_model_train() is None
    assert not ScoringModel.objects.exists()


def test_similar_leads_history_moves_the_score(actors):
    _closed_history()
    manufacturing = capture(industry="制造业")
    other = capture(industry=Industry.objects.exclude(name="制造业").first().name)
    label = next(label for label in points(manufacturing) if label.startswith("同类线索历史转化率"))
    assert points(manufacturing)[label] > 0
    assert any(label.startswith("同类线索历史转化率") and value < 0 for label, value in points(other).items())
