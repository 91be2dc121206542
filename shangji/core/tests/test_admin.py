import pytest
from django.test import Client

from shangji.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/django-admin/", "/django-admin/pipeline/stage/", "/django-admin/org/user/",
                                 "/django-admin/customers/industry/", "/django-admin/org/orgunit/"])
def test_the_administrator_opens_the_configuration_admin(actors, url):
    client = Client()
    client.login(username=actors.admin.username, password=PASSWORD)
    assert client.get(url).status_code == 200


def test_a_rep_is_kept_out_of_the_admin(actors):
    client = Client()
    client.login(username=actors.rep.username, password=PASSWORD)
    assert client.get("/django-admin/pipeline/stage/").status_code == 302
