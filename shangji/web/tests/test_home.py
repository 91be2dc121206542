import pytest
from django.utils import timezone

from shangji.conftest import make_customer, make_opportunity, signed_in
from shangji.pipeline.services import opportunity_update

pytestmark = pytest.mark.django_db


def test_home_counts_every_deal_closing_this_month_not_just_the_listed_ones(actors):
    customer = make_customer(actors.rep, name="温州瓯海电器有限公司")
    today = timezone.localdate()
    for n in range(10):
        deal = make_opportunity(actors.rep, customer, name=f"本月商机{n}")
        opportunity_update(opportunity=deal, actor=actors.rep, expected_close_date=today)
    page = signed_in(actors.rep).get("/").content.decode()
    assert page.count("本月商机") == 8  # the list shows the first eight
    assert '<div class="value">10</div>' in page


def test_the_browser_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200
