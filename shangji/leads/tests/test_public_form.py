"""The public phone form behind a campaign's QR code: no login, a lead with source=form and its UTM, a
thank-you page that tells nothing internal, Chinese errors, honeypot, rate limits, closed/unknown campaigns."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from shangji.conftest import log_in
from shangji.core.services import setting_update
from shangji.leads.choices import Source
from shangji.leads.models import Lead
from shangji.leads.services import campaign_create, campaign_update
from shangji.org.models import SalesProfile, Territory

WORKING_HOURS = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


@pytest.fixture
def campaign(actors):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    return campaign_create(actor=actors.marketing, name="上海工业展", description="留下联系方式，领取行业白皮书")


def form_data(**fields):
    return {"name": "黄先生", "company": "上海精工机械有限公司", "phone": "13800138000", "city": "上海",
            "industry": "制造业", "need": "想了解 ERP 与 MES 对接", "budget": "50-100", "consent": "on",
            "page_seconds": "42", "website": "", **fields}


def test_the_form_shows_the_campaign_and_carries_utm_parameters(actors, campaign):
    response = Client().get(f"/l/{campaign.code}/?utm_source=wechat&utm_medium=poster")
    html = response.content.decode()
    assert response.status_code == 200
    assert "上海工业展" in html and "留下联系方式，领取行业白皮书" in html
    assert 'name="utm_source" value="wechat"' in html and 'name="utm_medium" value="poster"' in html
    assert "sj-navbar" not in html  # standalone page, no staff navigation


@time_machine.travel(WORKING_HOURS, tick=False)
def test_a_submission_creates_a_lead_and_thanks_without_internal_data(actors, campaign,
                                                                       django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # the worker scores and assigns it after the commit
        response = client.post(f"/l/{campaign.code}/", form_data(utm_source="wechat", utm_campaign="expo"))
    assert response.status_code == 302 and response["Location"] == f"/l/{campaign.code}/thanks/"
    lead = Lead.objects.get()
    assert lead.source == Source.FORM and lead.campaign == campaign and lead.consent is True
    assert lead.utm == {"utm_source": "wechat", "utm_campaign": "expo"} and lead.page_seconds == 42
    assert lead.industry.name == "制造业" and lead.budget == "50-100"
    assert lead.owner is not None and lead.score is not None
    thanks = client.get(response["Location"]).content.decode()
    assert "提交成功" in thanks and "顾问会尽快与您联系" in thanks
    assert lead.owner.display_name not in thanks and lead.owner.username not in thanks
    assert "评分" not in thanks and "分配" not in thanks


def test_missing_fields_and_no_consent_are_shown_in_chinese_and_nothing_created(actors, campaign):
    response = Client().post(f"/l/{campaign.code}/", form_data(name="", phone="", consent=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写姓名。" in html and "请填写手机号码" in html and "请勾选同意联系" in html
    assert not Lead.objects.exists()


def test_a_bad_email_is_explained_next_to_the_field(actors, campaign):
    response = Client().post(f"/l/{campaign.code}/", form_data(email="not-an-email"))
    assert response.status_code == 400 and "邮箱" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_malformed_phone_is_kept_and_flagged(actors, campaign):
    Client().post(f"/l/{campaign.code}/", form_data(phone="12345"))
    lead = Lead.objects.get()
    assert lead.phone == "12345" and lead.phone_valid is False


def test_a_filled_honeypot_gets_the_thank_you_page_and_creates_nothing(actors, campaign):
    response = Client().post(f"/l/{campaign.code}/", form_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert not Lead.objects.exists()


def test_too_many_submissions_from_one_ip_are_refused_with_a_message(actors, campaign):
    setting_update(key="leads.intake_ip_per_minute", raw_value="2", actor=actors.admin)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for phone in ("13800138001", "13800138002"):
        assert client.post(f"/l/{campaign.code}/", form_data(phone=phone)).status_code == 302
    response = client.post(f"/l/{campaign.code}/", form_data(phone="13800138003"))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert Lead.objects.count() == 2
    # Another visitor is not affected.
    assert Client(REMOTE_ADDR="203.0.113.8").post(f"/l/{campaign.code}/",
                                                  form_data(phone="13800138004")).status_code == 302


def test_a_campaign_over_its_limit_refuses_everyone(actors, campaign):
    setting_update(key="leads.intake_campaign_per_minute", raw_value="1", actor=actors.admin)
    assert Client(REMOTE_ADDR="203.0.113.1").post(f"/l/{campaign.code}/", form_data()).status_code == 302
    response = Client(REMOTE_ADDR="203.0.113.2").post(f"/l/{campaign.code}/", form_data(phone="13800138009"))
    assert response.status_code == 429 and Lead.objects.count() == 1


def test_an_unknown_code_shows_a_chinese_404(db):
    response = Client().get("/l/nosuchcode/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_a_closed_campaign_says_it_has_ended_and_takes_nothing(actors, campaign):
    campaign_update(campaign=campaign, actor=actors.marketing, status="closed")
    assert Client().get(f"/l/{campaign.code}/").status_code == 410
    response = Client().post(f"/l/{campaign.code}/", form_data())
    assert response.status_code == 410 and "活动已结束" in response.content.decode()
    assert not Lead.objects.exists()


def test_an_unknown_nurture_link_is_404(db):
    assert Client().get("/l/t/nosuchtoken/1/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_fills_the_form_on_a_phone_and_the_rep_sees_the_lead_with_its_score(actors, browser, live_server):
    Territory.objects.create(name="上海", city=actors.shanghai, team=actors.team)
    # The real clock runs here: the rep is on shift all week, the teammate takes no leads, so the owner is known.
    SalesProfile.objects.create(user=actors.rep, work_days="1234567", work_start=dt.time.min, work_end=dt.time.max)
    SalesProfile.objects.create(user=actors.teammate, accepts_leads=False)
    campaign = campaign_create(actor=actors.marketing, name="上海工业展", description="扫码领取白皮书")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"/l/{campaign.code}/?utm_source=wechat&utm_campaign=expo")
        page.get_by_role("heading", name="上海工业展").wait_for()
        page.get_by_label("姓名").fill("黄先生")
        page.get_by_label("公司", exact=True).fill("上海精工机械有限公司")
        page.get_by_label("手机").fill("13800138000")
        page.get_by_label("所在城市").fill("上海")
        page.get_by_label("行业").select_option(label="制造业")
        page.get_by_label("需求描述").fill("想了解 ERP 与 MES 对接")
        page.get_by_label("预算范围").select_option(label="50–100万")
        page.get_by_role("button", name="提交").click()
        page.get_by_text("请勾选同意联系").wait_for()  # consent is required
        page.get_by_label("我同意").check()
        page.get_by_role("button", name="提交").click()
        page.wait_for_url(f"**/l/{campaign.code}/thanks/")
        page.get_by_text("提交成功，感谢您的关注！").wait_for()
    finally:
        context.close()
    lead = Lead.objects.get()
    assert lead.source == Source.FORM and lead.campaign_id == campaign.pk
    assert lead.utm == {"utm_source": "wechat", "utm_campaign": "expo"}
    assert lead.page_seconds is not None and lead.consent
    assert lead.owner == actors.rep
    rep = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    rep.set_default_timeout(10_000)
    try:
        log_in(rep, actors.rep.username)
        rep.goto("/notifications/")
        rep.get_by_text(f"新线索：黄先生（上海精工机械有限公司）（{lead.score} 分）").wait_for()
        rep.get_by_text("行业匹配: 制造业").first.wait_for()  # the score explanation, in the message itself
        rep.goto(f"/leads/{lead.pk}/")
        rep.get_by_text(f"评分 {lead.score} 的构成").wait_for()
        rep.get_by_text("销售区域“上海”→ 上海一组").first.wait_for()  # and why it is theirs
    finally:
        rep.context.close()
