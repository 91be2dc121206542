"""/api/campaigns/: everyone signed in lists and reads campaigns (without the intake key); campaign managers
create, update, close and reopen; denied writes change nothing."""

from __future__ import annotations

import pytest

from shangji.leads.choices import CampaignStatus
from shangji.leads.models import Campaign
from shangji.leads.services import campaign_create

MANAGERS = {"director", "sales_ops", "admin", "marketing"}
OTHERS = {"rep", "teammate", "other_rep", "team_lead", "regional_manager", "other_manager", "presales", "finance"}


@pytest.fixture
def campaign(actors):
    return campaign_create(actor=actors.marketing, name="上海工业展", cost="5000")


def test_everyone_signed_in_reads_campaigns_with_links_but_only_managers_get_the_key(actors, campaign, api):
    for name in MANAGERS | OTHERS:
        client = api(getattr(actors, name))
        listing = client.get("/api/campaigns/")
        assert listing.status_code == 200
        row = next(r for r in listing.json()["results"] if r["id"] == campaign.pk)
        assert row["form_url"] == f"http://testserver/l/{campaign.code}/"
        assert row["qr_png_url"].endswith(f"/campaigns/{campaign.pk}/qr.png")
        assert row["qr_svg_url"].endswith(f"/campaigns/{campaign.pk}/qr.svg")
        assert row["lead_count"] == 0 and row["status"] == "active"
        detail = client.get(f"/api/campaigns/{campaign.pk}/").json()
        assert ("intake_key" in detail) is (name in MANAGERS), name
        assert (campaign.intake_key in listing.content.decode()) is (name in MANAGERS), name


def test_anonymous_callers_are_refused(db, actors, campaign, api):
    assert api(None).get("/api/campaigns/").status_code in (401, 403)
    assert api(None).post("/api/campaigns/", {"name": "x"}, format="json").status_code in (401, 403)


def test_a_manager_creates_updates_closes_and_reopens(actors, api):
    client = api(actors.sales_ops)
    created = client.post("/api/campaigns/", {"name": "官网咨询", "channel": "website", "cost": "800.50"},
                          format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "官网咨询" and body["intake_key"] and body["form_url"].startswith("http://testserver/l/")
    pk = body["id"]
    updated = client.patch(f"/api/campaigns/{pk}/", {"description": "填写即送白皮书"}, format="json")
    assert updated.status_code == 200 and updated.json()["description"] == "填写即送白皮书"
    assert client.post(f"/api/campaigns/{pk}/close/").json()["status"] == "closed"
    assert Campaign.objects.get(pk=pk).status == CampaignStatus.CLOSED
    assert client.post(f"/api/campaigns/{pk}/reopen/").json()["status"] == "active"


def test_bad_campaign_input_gets_chinese_messages(actors, api):
    client = api(actors.marketing)
    response = client.post("/api/campaigns/", {"name": "", "channel": "tv"}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["name"] == ["请填写活动名称。"] and fields["channel"] == ["请选择渠道。"]
    response = client.post("/api/campaigns/", {"name": "年末", "starts_on": "2026-12-01", "ends_on": "2026-11-01"},
                           format="json")
    assert response.status_code == 400 and "结束日期不能早于开始日期。" in response.json()["message"]
    assert not Campaign.objects.exists()


def test_others_are_refused_every_write_and_nothing_changes(actors, campaign, api):
    for name in OTHERS:
        client = api(getattr(actors, name))
        assert client.post("/api/campaigns/", {"name": "偷建"}, format="json").status_code == 403
        assert client.patch(f"/api/campaigns/{campaign.pk}/", {"name": "改名"}, format="json").status_code == 403
        assert client.post(f"/api/campaigns/{campaign.pk}/close/").status_code == 403
    campaign.refresh_from_db()
    assert Campaign.objects.count() == 1 and campaign.name == "上海工业展"
    assert campaign.status == CampaignStatus.ACTIVE


def test_the_list_filters_by_status(actors, campaign, api):
    other = campaign_create(actor=actors.marketing, name="旧活动")
    api(actors.marketing).post(f"/api/campaigns/{other.pk}/close/")
    names = [row["name"] for row in api(actors.rep).get("/api/campaigns/?status=closed").json()["results"]]
    assert names == ["旧活动"]


def test_the_schema_documents_campaigns_and_intake(actors, api):
    schema = api(actors.admin).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "/api/campaigns/{id}/close/" in schema and "/api/leads/intake/" in schema
