"""The public intake API (L1): the campaign key authenticates; answers tell only {"id", "status"}; idempotent;
bad input, unknown keys, closed campaigns, oversized bodies and floods get clear Chinese answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from rest_framework.test import APIClient

from shangji.core.services import setting_update
from shangji.leads.choices import Source
from shangji.leads.models import Lead
from shangji.leads.services import campaign_create, campaign_update
from shangji.org.models import Territory

URL = "/api/leads/intake/"
WORKING_HOURS = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


@pytest.fixture
def campaign(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    return campaign_create(actor=actors.marketing, name="官网咨询", channel="website")


def post(body, *, key=None, idempotency_key=None, ip="198.51.100.10"):
    headers = {}
    if key:
        headers["HTTP_X_CAMPAIGN_KEY"] = key
    if idempotency_key:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    return APIClient(REMOTE_ADDR=ip).post(URL, body, format="json", **headers)


def lead_body(**fields):
    return {"name": "黄先生", "company": "上海精工机械有限公司", "phone": "13800138000", "city": "上海",
            "industry": "制造业", "budget": "gt100", "need": "ERP 升级", "consent": True, "page_seconds": 90,
            "downloads": 2, "utm_source": "partner", "utm_medium": "api", **fields}


@time_machine.travel(WORKING_HOURS, tick=False)
def test_a_new_lead_is_received_and_the_answer_tells_nothing_internal(actors, campaign,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the worker scores and assigns it after the commit
        response = post(lead_body(), key=campaign.intake_key)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json() == {"id": lead.pk, "status": "received"}
    assert lead.source == Source.API and lead.campaign == campaign and lead.channel == "website"
    assert lead.utm == {"utm_source": "partner", "utm_medium": "api"}
    assert (lead.page_seconds, lead.downloads, lead.budget) == (90, 2, "gt100")
    assert lead.owner is not None and lead.score is not None
    text = response.content.decode()
    assert lead.owner.display_name not in text and lead.owner.username not in text and "score" not in text


def test_the_key_may_come_in_the_body(actors, campaign):
    response = post(lead_body(campaign_key=campaign.intake_key))
    assert response.status_code == 201 and Lead.objects.count() == 1


def test_the_same_idempotency_key_twice_makes_one_lead(actors, campaign):
    first = post(lead_body(), key=campaign.intake_key, idempotency_key="order-1")
    again = post(lead_body(name="黄先生（重发）"), key=campaign.intake_key, idempotency_key="order-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert Lead.objects.count() == 1 and Lead.objects.get().name == "黄先生"


def test_bad_fields_get_chinese_messages_per_field_and_nothing_is_written(actors, campaign):
    response = post(lead_body(name="", email="bad", budget="很多", custom="x", latitude="north"),
                    key=campaign.intake_key)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"custom"}
    response = post(lead_body(name="", email="bad", budget="很多", latitude="north"), key=campaign.intake_key)
    errors = response.json()["errors"]
    assert errors["name"] == ["请填写姓名。"] and "budget" in errors and "email" in errors and "latitude" in errors
    assert not Lead.objects.exists()


def test_a_malformed_phone_is_kept_and_flagged(actors, campaign):
    assert post(lead_body(phone="12345"), key=campaign.intake_key).status_code == 201
    lead = Lead.objects.get()
    assert lead.phone == "12345" and lead.phone_valid is False


def test_an_unknown_key_is_404_in_chinese(actors, campaign):
    response = post(lead_body(), key="wrong-key")
    assert response.status_code == 404 and response.json()["detail"] == "活动不存在或密钥错误"
    assert post(lead_body()).status_code == 404
    assert not Lead.objects.exists()


def test_a_closed_campaign_answers_410(actors, campaign):
    campaign_update(campaign=campaign, actor=actors.marketing, status="closed")
    response = post(lead_body(), key=campaign.intake_key)
    assert response.status_code == 410 and "已结束" in response.json()["detail"]
    assert post(lead_body(), key=campaign.intake_key, idempotency_key="late").status_code == 410
    assert not Lead.objects.exists()


def test_a_filled_honeypot_looks_received_but_creates_nothing(actors, campaign):
    response = post(lead_body(website="http://spam.example"), key=campaign.intake_key)
    assert response.status_code == 201 and response.json()["status"] == "received"
    assert not Lead.objects.exists()


def test_a_body_over_16_kb_is_refused_with_413(actors, campaign):
    response = post(lead_body(need="很" * 6000), key=campaign.intake_key)
    assert response.status_code == 413 and "过大" in response.json()["detail"]
    assert not Lead.objects.exists()


def test_a_body_that_is_not_a_json_object_or_not_json_at_all_is_refused(actors, campaign):
    client = APIClient()
    response = client.post(URL, "not json", content_type="application/json", HTTP_X_CAMPAIGN_KEY=campaign.intake_key)
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    for body in (json.dumps([1, 2]), '{"name": NaN}', "[" * 5000 + "]" * 5000, b"\xff\xfe{}"):
        response = client.post(URL, body, content_type="application/json", HTTP_X_CAMPAIGN_KEY=campaign.intake_key)
        assert response.status_code == 400 and response.json()["code"] == "invalid_json"
    response = client.post(URL, {"name": "黄先生"}, HTTP_X_CAMPAIGN_KEY=campaign.intake_key)  # a form post
    assert response.status_code == 415 and "JSON" in response.json()["detail"]
    response = client.get(URL, HTTP_X_CAMPAIGN_KEY=campaign.intake_key)
    assert response.status_code == 405 and response["Allow"] == "POST" and "POST" in response.json()["detail"]
    assert not Lead.objects.exists()


def test_too_many_posts_from_one_ip_get_429(actors, campaign):
    setting_update(key="leads.intake_ip_per_minute", raw_value="2", actor=actors.admin)
    assert post(lead_body(phone="13800138001"), key=campaign.intake_key).status_code == 201
    assert post(lead_body(phone="13800138002"), key=campaign.intake_key).status_code == 201
    response = post(lead_body(phone="13800138003"), key=campaign.intake_key)
    assert response.status_code == 429 and "频繁" in response.json()["detail"]
    assert post(lead_body(phone="13800138004"), key=campaign.intake_key, ip="198.51.100.11").status_code == 201
    assert Lead.objects.count() == 3


def test_a_forwarded_for_header_does_not_dodge_the_ip_limit(actors, campaign):
    setting_update(key="leads.intake_ip_per_minute", raw_value="1", actor=actors.admin)
    client = APIClient(REMOTE_ADDR="198.51.100.20")
    for forwarded, expected in (("1.1.1.1", 201), ("2.2.2.2", 429)):
        response = client.post(URL, lead_body(), format="json", HTTP_X_CAMPAIGN_KEY=campaign.intake_key,
                               HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == expected


def test_a_campaign_over_its_limit_gets_429(actors, campaign):
    setting_update(key="leads.intake_campaign_per_minute", raw_value="1", actor=actors.admin)
    assert post(lead_body(), key=campaign.intake_key, ip="198.51.100.30").status_code == 201
    assert post(lead_body(phone="13800138005"), key=campaign.intake_key, ip="198.51.100.31").status_code == 429


def test_a_signed_in_session_without_csrf_token_still_posts(actors, campaign):
    from django.test import Client

    from shangji.conftest import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username=actors.rep.username, password=PASSWORD)
    response = client.post(URL, json.dumps(lead_body()), content_type="application/json",
                           HTTP_X_CAMPAIGN_KEY=campaign.intake_key)
    assert response.status_code == 201
    assert Lead.objects.get().created_by is None  # the campaign key, not the session, submitted it
