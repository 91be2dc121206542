"""Lead routing configuration (L4): only sales ops and admins change territories and sales profiles, bad input
is refused in Chinese, every change is audited, and the dry run shows whom the chain would pick — writing nothing."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from shangji.conftest import log_in, signed_in
from shangji.core.models import AuditEntry
from shangji.customers.models import Industry
from shangji.leads.models import Lead, LeadAssignment
from shangji.org.models import SalesProfile, Territory
from shangji.org.routing_services import sales_profile_update, territory_create, territory_update

WORKING_HOURS = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


@pytest.fixture
def territory(actors):
    return territory_create(actor=actors.sales_ops, name="上海制造业", city=actors.shanghai, team=actors.team,
                            industry=Industry.objects.get(name="制造业"))


def _writes(actors, territory):
    return [
        ("get", reverse("routing:index"), {}),
        ("get", reverse("routing:territory_create"), {}),
        ("post", reverse("routing:territory_create"), {"name": "深圳", "team": actors.team.pk, "is_active": "on"}),
        ("post", reverse("routing:territory_edit", args=[territory.pk]), {"name": "改名", "team": actors.team.pk}),
        ("post", reverse("routing:territory_toggle", args=[territory.pk]), {}),
        ("post", reverse("routing:profile_edit", args=[actors.rep.pk]), {"lead_capacity": "3"}),
        ("get", reverse("routing:dry_run") + f"?city={actors.shanghai.pk}", {}),
    ]


@pytest.mark.parametrize("who", ["rep", "teammate", "team_lead", "regional_manager", "director", "presales",
                                 "finance", "marketing"])
def test_everyone_but_sales_ops_and_admins_gets_403_and_nothing_changes(actors, territory, who):
    client = signed_in(getattr(actors, who))
    audit_before = AuditEntry.objects.count()
    for method, url, data in _writes(actors, territory):
        assert getattr(client, method)(url, data).status_code == 403, url
    territory.refresh_from_db()
    assert (territory.name, territory.is_active) == ("上海制造业", True)
    assert Territory.objects.count() == 1 and not SalesProfile.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_anonymous_visitors_are_sent_to_log_in(actors, territory):
    response = Client().get(reverse("routing:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["sales_ops", "admin"])
def test_sales_ops_and_admins_see_territories_and_reps(actors, territory, who):
    html = signed_in(getattr(actors, who)).get(reverse("routing:index")).content.decode()
    assert "上海制造业" in html and "张伟" in html and "王芳" in html and "李娜" in html
    assert "刘洋" not in html  # managers are not reps


def test_a_territory_is_created_on_the_page_and_audited(actors):
    response = signed_in(actors.sales_ops).post(reverse("routing:territory_create"), {
        "name": "华南", "region": actors.south.pk, "team": actors.other_rep.org_unit_id, "is_active": "on"})
    assert response.status_code == 302
    created = Territory.objects.get(name="华南")
    assert created.region == actors.south and created.team.name == "深圳一组" and created.is_active
    assert AuditEntry.objects.filter(entity="territory", entity_id=created.pk, action="created").exists()


def test_deactivating_a_territory_is_audited_and_reversible(actors, territory):
    client = signed_in(actors.admin)
    client.post(reverse("routing:territory_toggle", args=[territory.pk]))
    territory.refresh_from_db()
    assert territory.is_active is False
    entry = AuditEntry.objects.get(entity="territory", entity_id=territory.pk, action="updated")
    assert (entry.field, entry.old_value, entry.new_value, entry.actor) == ("is_active", "True", "False", actors.admin)
    client.post(reverse("routing:territory_toggle", args=[territory.pk]))
    territory.refresh_from_db()
    assert territory.is_active is True


def test_the_city_must_be_a_city_and_the_region_a_region(actors):
    with pytest.raises(ValidationError) as error:
        territory_create(actor=actors.sales_ops, name="错的", team=actors.team, region=actors.shanghai,
                         city=actors.east)
    assert error.value.message_dict == {"region": ["“上海”不是大区，请选择一个大区。"],
                                        "city": ["“华东大区”不是地市，请选择一个地市。"]}
    with pytest.raises(ValidationError) as error:
        territory_create(actor=actors.sales_ops, name="错的", team=actors.team, region=actors.south,
                         city=actors.shanghai)
    assert error.value.message_dict == {"city": ["地市“上海”不属于大区“华南大区”。"]}
    with pytest.raises(ValidationError) as error:
        territory_create(actor=actors.sales_ops, name=" ", team=None)
    assert error.value.message_dict == {"name": ["请填写销售区域名称。"], "team": ["请选择负责团队。"]}
    assert not Territory.objects.exists()


def test_the_page_refuses_a_city_as_region_and_keeps_the_territory(actors, territory):
    response = signed_in(actors.sales_ops).post(reverse("routing:territory_edit", args=[territory.pk]), {
        "name": "上海制造业", "region": actors.shanghai.pk, "team": actors.team.pk, "is_active": "on"})
    assert response.status_code == 200 and "请选择一个大区。" in response.content.decode()
    response = signed_in(actors.sales_ops).post(reverse("routing:territory_edit", args=[territory.pk]), {
        "name": "上海制造业", "region": actors.south.pk, "city": actors.shanghai.pk, "team": actors.team.pk})
    assert "地市“上海”不属于大区“华南大区”。" in response.content.decode()
    territory.refresh_from_db()
    assert territory.region is None and territory.is_active


def test_services_refuse_people_who_may_not_configure(actors, territory):
    with pytest.raises(PermissionDenied):
        territory_update(territory=territory, actor=actors.team_lead, is_active=False)
    with pytest.raises(PermissionDenied):
        sales_profile_update(user=actors.rep, actor=actors.director, lead_capacity=5)
    territory.refresh_from_db()
    assert territory.is_active and not SalesProfile.objects.exists()


def test_a_sales_profile_is_saved_from_the_page_and_audited(actors):
    industry = Industry.objects.get(name="制造业")
    response = signed_in(actors.sales_ops).post(reverse("routing:profile_edit", args=[actors.rep.pk]), {
        "accepts_leads": "on", "lead_capacity": "12", "work_start": "08:30", "work_end": "17:30",
        "work_days": "54321", "away_until": "2026-12-01", "industries": [industry.pk]})
    assert response.status_code == 302
    profile = SalesProfile.objects.get(user=actors.rep)
    assert (profile.lead_capacity, profile.work_days, profile.work_start) == (12, "12345", dt.time(8, 30))
    assert list(profile.industries.all()) == [industry] and profile.away_until == dt.date(2026, 12, 1)
    fields = set(AuditEntry.objects.filter(entity="sales_profile", entity_id=profile.pk).values_list("field",
                                                                                                   flat=True))
    assert {"lead_capacity", "work_days", "industries", "away_until"} <= fields
    html = signed_in(actors.sales_ops).get(reverse("routing:index")).content.decode()
    assert "0 / 12" in html and "2026-12-01" in html


@pytest.mark.parametrize(("data", "message"), [
    ({"lead_capacity": "0"}, "在手线索上限至少为 1。"),
    ({"work_start": "18:00", "work_end": "09:00"}, "下班时间需要晚于上班时间。"),
    ({"work_start": "09:00"}, "上班时间和下班时间请同时填写，或同时留空使用系统设置。"),
    ({"work_days": "1289"}, "工作日请用 1–7 表示周一到周日（如 12345），每天只写一次。"),
    ({"work_start": "9点"}, "时间格式为 时:分，如 09:00。"),
])
def test_bad_profile_input_is_refused_in_chinese_and_nothing_saved(actors, data, message):
    response = signed_in(actors.sales_ops).post(reverse("routing:profile_edit", args=[actors.rep.pk]),
                                                {"accepts_leads": "on", **data})
    assert response.status_code == 200 and message in response.content.decode()
    assert not SalesProfile.objects.exists() and not AuditEntry.objects.filter(entity="sales_profile").exists()


def test_only_reps_have_a_profile_page(actors):
    assert signed_in(actors.sales_ops).get(reverse("routing:profile_edit", args=[actors.team_lead.pk])
                                           ).status_code == 404


@time_machine.travel(WORKING_HOURS, tick=False)
def test_the_dry_run_shows_the_skilled_rep_and_writes_nothing(actors, territory):
    sales_profile_update(user=actors.teammate, actor=actors.sales_ops,
                         industries=[Industry.objects.get(name="制造业")])
    audit_before, profile_before = AuditEntry.objects.count(), SalesProfile.objects.get(user=actors.teammate)
    url = reverse("routing:dry_run") + f"?city={actors.shanghai.pk}&industry={Industry.objects.get(name='制造业').pk}"
    html = signed_in(actors.sales_ops).get(url).content.decode()
    assert "上海一组" in html and "王芳" in html and "擅长制造业 1 人" in html and "销售区域“上海制造业”" in html
    assert not Lead.objects.exists() and not LeadAssignment.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert SalesProfile.objects.get(user=actors.teammate).last_lead_at == profile_before.last_lead_at is None
    assert not SalesProfile.objects.filter(user=actors.rep).exists()


@time_machine.travel(WORKING_HOURS, tick=False)
def test_the_dry_run_skips_a_rep_on_leave(actors, territory):
    sales_profile_update(user=actors.rep, actor=actors.sales_ops, away_until=dt.date(2026, 11, 20))
    html = signed_in(actors.admin).get(reverse("routing:dry_run") + f"?city={actors.shanghai.pk}").content.decode()
    assert "王芳" in html and "张伟" not in html and "在岗 1 人" in html


@time_machine.travel(dt.datetime(2026, 11, 17, 14, 0, tzinfo=dt.UTC), tick=False)  # 22:00 in Shanghai
def test_the_dry_run_outside_working_hours_shows_the_queue(actors, territory):
    html = signed_in(actors.admin).get(reverse("routing:dry_run") + f"?city={actors.shanghai.pk}").content.decode()
    assert "无人可接收，进入待分配队列" in html and "不在岗" in html


def test_the_dry_run_refuses_a_region_as_city(actors):
    html = signed_in(actors.admin).get(reverse("routing:dry_run") + f"?city={actors.east.pk}").content.decode()
    assert "请选择一个地市。" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sales_ops_edit_a_profile_and_try_the_chain_in_a_browser(actors, page):
    territory_create(actor=actors.sales_ops, name="上海", city=actors.shanghai, team=actors.team)
    shots = os.environ.get("SHANGJI_SCREENSHOTS")
    log_in(page, "ops_1")
    page.goto(reverse("routing:index"))
    page.locator("#routing-profiles tr[data-rep=rep_east_1]").get_by_role("link", name="编辑").click()
    page.get_by_label("在手线索上限").fill("8")
    page.get_by_label("制造业").check()
    if shots:
        page.screenshot(path=os.path.join(shots, "routing-profile.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/settings/routing/")
    assert SalesProfile.objects.get(user=actors.rep).lead_capacity == 8
    dry_run = page.locator("#routing-dry-run")
    dry_run.get_by_label("地市").select_option(label="上海")
    dry_run.get_by_role("button", name="试算").click()
    page.locator("#dry-run-decision").wait_for()
    assert "上海一组" in page.locator("#dry-run-decision").inner_text()
    if shots:
        page.screenshot(path=os.path.join(shots, "routing.png"), full_page=True)
    page.goto(reverse("routing:territory_create"))
    if shots:
        page.screenshot(path=os.path.join(shots, "routing-territory.png"), full_page=True)
