import pytest

from shangji.conftest import make_customer, make_opportunity, satisfy_gates, signed_in, stage
from shangji.pipeline.models import Opportunity, StageChange

pytestmark = pytest.mark.django_db


def test_rep_creates_a_deal_from_the_customer_page(actors):
    customer = make_customer(actors.rep, name="嘉兴南湖智能装备有限公司")
    client = signed_in(actors.rep)
    assert "新建商机" in client.get(f"/opportunities/new/?customer={customer.pk}").content.decode()
    response = client.post("/opportunities/new/", {"customer": customer.pk, "name": "焊装线改造", "amount": "880000",
                                                    "stage": stage("接触").pk, "expected_close_date": "2027-01-15"})
    deal = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{deal.pk}/"
    assert (deal.owner, deal.stage.name, str(deal.amount)) == (actors.rep, "接触", "880000.00")


def test_a_negative_amount_on_the_page_is_refused(actors):
    customer = make_customer(actors.rep, name="嘉兴南湖智能装备有限公司")
    page = signed_in(actors.rep).post("/opportunities/new/", {"customer": customer.pk, "name": "x", "amount": "-1"})
    assert page.status_code == 200 and not Opportunity.objects.exists()


def test_editing_with_a_stale_form_tells_the_user_to_reload(actors):
    deal = make_opportunity(actors.rep)
    stale_version = deal.version
    signed_in(actors.team_lead).post(f"/opportunities/{deal.pk}/edit/", {
        "version": stale_version, "name": deal.name, "amount": "200000"})
    page = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/edit/", {
        "version": stale_version, "name": deal.name, "amount": "1"}).content.decode()
    assert "已被他人修改" in page
    deal.refresh_from_db()
    assert str(deal.amount) == "200000.00"


def test_kanban_moves_answer_json_and_a_collaborator_cannot_move(actors):
    from shangji.customers.models import CustomerShare

    deal = satisfy_gates(make_opportunity(actors.rep, stage="接触"))  # 接触 → 谈判 skips gated stages
    CustomerShare.objects.create(customer=deal.customer, user=actors.presales)
    headers = {"HTTP_ACCEPT": "application/json"}
    refused = signed_in(actors.presales).post(f"/opportunities/{deal.pk}/move/", {"stage": stage("谈判").pk},
                                              **headers)
    assert refused.status_code == 403 and "无权" in refused.json()["message"]
    assert StageChange.objects.filter(opportunity=deal).count() == 1
    moved = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/move/",
                                       {"stage": stage("谈判").pk, "version": deal.version}, **headers)
    assert moved.json() == {"id": deal.pk, "stage": stage("谈判").pk, "version": deal.version + 1}
    hidden = signed_in(actors.other_rep).post(f"/opportunities/{deal.pk}/move/", {"stage": stage("成交").pk},
                                              **headers)
    assert hidden.status_code == 404


def test_moving_to_lost_from_the_page_requires_a_reason(actors):
    deal = make_opportunity(actors.rep)
    page = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/move/", {"stage": stage("输单").pk},
                                      follow=True).content.decode()
    assert "输单原因" in page
    deal.refresh_from_db()
    assert deal.stage.name == "线索"


def test_the_detail_page_shows_a_readable_audit_trail(actors):
    from shangji.pipeline.services import opportunity_update

    deal = make_opportunity(actors.rep)
    opportunity_update(opportunity=deal, actor=actors.team_lead, owner=actors.teammate, amount="99")
    page = signed_in(actors.team_lead).get(f"/opportunities/{deal.pk}/").content.decode()
    assert "负责人 张伟 → 王芳" in page and "金额 120000.00 → 99.00" in page


def test_the_stage_changes_page_lists_last_months_regressions_from_negotiation(actors):
    from shangji.pipeline.services import opportunity_move

    deal = make_opportunity(actors.rep, stage="谈判", name="回退的商机")
    make_opportunity(actors.rep, stage="谈判", name="没动的商机")
    opportunity_move(opportunity=deal, actor=actors.rep, to_stage=stage("需求确认"))
    query = {"is_regression": "true", "from_stage": stage("谈判").pk, "to_stage": stage("需求确认").pk,
             "since": "2000-01-01"}
    page = signed_in(actors.team_lead).get("/opportunities/changes/", query).content.decode()
    assert "回退的商机" in page and "没动的商机" not in page and "谈判 → 需求确认" in page
    api_rows = signed_in(actors.team_lead).get("/api/stage-changes/", query).json()["results"]
    assert [row["opportunity"] for row in api_rows] == [deal.pk]
