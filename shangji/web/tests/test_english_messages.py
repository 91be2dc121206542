"""With the English language cookie, messages built in Python (services, views, API errors, settings) are English
too — not only the template text — and counted phrases get English plurals."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from shangji.conftest import PASSWORD, make_customer, make_opportunity, stage
from shangji.pipeline.models import Opportunity

pytestmark = pytest.mark.django_db

FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")



def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user):
    client = english(Client())
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_service_validation_errors_come_back_in_english_from_the_api(actors, api):
    make_customer(actors.other_rep, name="广州白云山医药集团股份有限公司")
    client = english(api(actors.rep))

    response = client.post("/api/customers/", {"name": "白云山医药集团（广州）有限公司"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_suspected"
    assert body["message"].startswith("Possible duplicate: “广州白云山医药集团股份有限公司” already exists")
    assert "(owner: 李娜, similarity " in body["message"]
    assert "please give a reason for creating a duplicate" in body["message"]

    response = client.post("/api/customers/", {"name": "名" * 150}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Customer name: The customer name is too long (at most 100 characters)."
    assert response.json()["fields"]["name"] == ["The customer name is too long (at most 100 characters)."]

    response = client.post("/api/opportunities/", {"name": "X", "customer": 999999}, format="json")
    assert response.status_code == 400 and not FULL_WIDTH.search(response.json()["message"])


def test_the_same_errors_stay_chinese_without_the_cookie(actors, api):
    response = api(actors.rep).post("/api/customers/", {"name": "名" * 150}, format="json")
    assert response.json()["message"] == "客户名称：客户名称过长（最多 100 个字）。"


def test_stale_versions_and_oversized_bodies_are_explained_in_english(actors, api):
    deal = make_opportunity(actors.rep)
    client = english(api(actors.rep))
    response = client.patch(f"/api/opportunities/{deal.pk}/", {"name": "新名称", "version": deal.version + 5},
                            format="json")
    assert response.status_code == 409
    assert response.json()["message"] == (
        f"This opportunity was changed by someone else (current version {deal.version}). "
        "Please refresh and try again.")

    response = client.post("/api/customers/", {"name": "x" * 3_000_000}, format="json")
    assert response.status_code == 413 and response.json()["message"].startswith("The request is too large")


def test_the_settings_page_shows_english_labels_help_and_messages(actors):
    client = signed_in(actors.sales_ops)
    page = client.get("/settings/").content.decode()
    for text in ["Strong match threshold", "Only candidates whose duplicate-check score", "Days until stalled",
                 "Default: 90 days", "Customers", "Opportunities"]:
        assert text in page, text
    for text in ["强匹配阈值", "停滞天数", "默认值", "查重"]:
        assert text not in page, text

    page = client.post("/settings/", {"key": "pipeline.stuck_days", "value": "0"}, follow=True).content.decode()
    assert "“Days until stalled” cannot be less than 1" in page
    page = client.post("/settings/", {"key": "pipeline.stuck_days", "value": "30"}, follow=True).content.decode()
    assert "Updated “Days until stalled”." in page


def test_days_and_counts_use_english_plurals_on_the_list_and_detail_pages(actors):
    deal = make_opportunity(actors.rep)
    Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - timedelta(days=1, hours=1))
    client = signed_in(actors.rep)

    page = client.get("/opportunities/").content.decode()
    assert "1 opportunity<" in page and ">1 day<" in page
    assert "天" not in page and "共" not in page
    page = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert ">1 day" in page and "Owner: 张伟" in page

    make_opportunity(actors.rep, deal.customer, name="MES 系统二期")
    page = client.get("/opportunities/").content.decode()
    assert "2 opportunities<" in page and ">0 days<" in page and ">1 day<" in page


def test_view_messages_brand_and_kanban_texts_are_english(actors):
    deal = make_opportunity(actors.rep, make_customer(actors.rep, name="杭州某某科技有限公司"), stage="接触")
    client = signed_in(actors.rep)

    page = client.post(f"/opportunities/{deal.pk}/move/", {"stage": stage("需求确认").pk, "version": deal.version},
                       follow=True).content.decode()
    assert "Stage changed to “需求确认”." in page

    page = client.get("/opportunities/kanban/").content.decode()
    assert 'data-network-error="Network error. Please try again."' in page
    assert "· Shangji</title>" in page and 'aria-label="Shangji home"' in page

    home = client.get("/").content.decode()
    month_end = (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert f"Through {month_end:%b} {month_end.day}<" in home and "月" not in home
    assert "Over 90 days in one stage" in home
