"""Campaign pages: everyone signed in lists and opens campaigns; only campaign managers create, edit, close and
see the intake key; denied writes change nothing."""

from __future__ import annotations

import pytest

from shangji.conftest import signed_in
from shangji.leads.choices import CampaignStatus
from shangji.leads.models import Campaign
from shangji.leads.services import campaign_create

MANAGERS = {"director", "sales_ops", "admin", "marketing"}
OTHERS = {"rep", "teammate", "other_rep", "team_lead", "regional_manager", "other_manager", "presales", "finance"}


@pytest.fixture
def campaign(actors):
    return campaign_create(actor=actors.marketing, name="上海工业展", description="扫码领取白皮书")


def test_everyone_signed_in_lists_and_opens_campaigns_but_only_managers_see_the_key(actors, campaign):
    for name in MANAGERS | OTHERS:
        client = signed_in(getattr(actors, name))
        listing = client.get("/campaigns/")
        assert listing.status_code == 200 and "上海工业展" in listing.content.decode()
        detail = client.get(f"/campaigns/{campaign.pk}/").content.decode()
        assert f"/l/{campaign.code}/" in detail and "<svg" in detail
        assert (campaign.intake_key in detail) is (name in MANAGERS), name


def test_anonymous_visitors_are_sent_to_the_login_page(db, actors, campaign):
    from django.test import Client

    for url in ("/campaigns/", f"/campaigns/{campaign.pk}/", f"/campaigns/{campaign.pk}/qr.png"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_manager_creates_a_campaign_and_lands_on_its_qr_code(actors):
    client = signed_in(actors.marketing)
    response = client.post("/campaigns/new/", {"name": "深圳渠道大会", "channel": "exhibition",
                                               "description": "现场扫码", "cost": "12000"})
    campaign = Campaign.objects.get(name="深圳渠道大会")
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.channel == "exhibition" and campaign.created_by == actors.marketing
    assert str(campaign.cost) == "12000.00"


def test_bad_campaign_input_is_shown_in_chinese_and_nothing_is_created(actors):
    client = signed_in(actors.sales_ops)
    response = client.post("/campaigns/new/", {"name": "", "channel": "wechat_qr", "starts_on": "2026-12-01",
                                               "ends_on": "2026-11-01"})
    assert response.status_code == 200
    assert "请填写活动名称。" in response.content.decode()
    response = client.post("/campaigns/new/", {"name": "年末活动", "channel": "wechat_qr", "starts_on": "2026-12-01",
                                               "ends_on": "2026-11-01"})
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert not Campaign.objects.exists()


def test_others_are_refused_every_write_and_nothing_changes(actors, campaign):
    for name in OTHERS:
        client = signed_in(getattr(actors, name))
        assert client.get("/campaigns/new/").status_code == 403
        assert client.post("/campaigns/new/", {"name": "偷建", "channel": "ads"}).status_code == 403
        assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 403
        assert client.post(f"/campaigns/{campaign.pk}/edit/", {"name": "改名", "channel": "ads"}).status_code == 403
        assert client.post(f"/campaigns/{campaign.pk}/status/", {"status": "closed"}).status_code == 403
    campaign.refresh_from_db()
    assert Campaign.objects.count() == 1
    assert campaign.name == "上海工业展" and campaign.channel == "wechat_qr"
    assert campaign.status == CampaignStatus.ACTIVE


def test_a_manager_edits_closes_and_reopens_a_campaign(actors, campaign):
    client = signed_in(actors.director)
    client.post(f"/campaigns/{campaign.pk}/edit/", {"name": "上海工业展（秋季）", "channel": "exhibition"})
    campaign.refresh_from_db()
    assert campaign.name == "上海工业展（秋季）" and campaign.channel == "exhibition"
    client.post(f"/campaigns/{campaign.pk}/status/", {"status": "closed"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert "重新开启" in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    client.post(f"/campaigns/{campaign.pk}/status/", {"status": "active"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE


def test_the_qr_code_downloads_as_png_and_svg_encoding_the_form_link(actors, campaign):
    client = signed_in(actors.rep)
    png = client.get(f"/campaigns/{campaign.pk}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    width = int.from_bytes(png.content[16:20], "big")  # from the PNG's IHDR chunk
    assert width >= 300  # sharp enough for print
    svg = client.get(f"/campaigns/{campaign.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert f"http://testserver/l/{campaign.code}/".encode() in svg.content  # the title names the link


def test_the_list_counts_leads_and_converted_leads(actors, campaign):
    from shangji.leads.services import LeadInput, lead_capture

    for phone in ("13800138001", "13800138002"):
        lead_capture(source="form", campaign=campaign, data=LeadInput(name="黄先生", phone=phone))
    from shangji.leads.models import Lead

    Lead.objects.filter(pk=Lead.objects.first().pk).update(status="converted")
    response = signed_in(actors.marketing).get("/campaigns/")
    row = next(r for r in response.context["page"] if r.pk == campaign.pk)
    assert (row.lead_count, row.converted_count) == (2, 1)
