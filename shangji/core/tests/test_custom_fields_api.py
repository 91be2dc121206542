"""`/api/custom-fields/`: everyone signed in reads the definitions; only sales ops and admins change them."""

import pytest

from shangji.core.models import CustomField

pytestmark = pytest.mark.django_db


def test_signed_in_users_read_the_definitions_and_anonymous_clients_do_not(actors, api):
    CustomField.objects.create(entity="customer", key="budget_source", label="预算来源", field_type="text")
    body = api(actors.rep).get("/api/custom-fields/", {"entity": "customer"}).json()
    assert "budget_source" in [row["key"] for row in body["results"]]
    assert api(None).get("/api/custom-fields/").status_code in (401, 403)


def test_sales_ops_create_edit_and_deactivate_a_field_and_it_shows_in_the_schema(actors, api):
    client = api(actors.sales_ops)
    created = client.post("/api/custom-fields/", {"entity": "opportunity", "key": "tender", "label": "招标方式",
                                                  "field_type": "choice", "choices": ["公开招标", "邀请招标"]},
                          format="json")
    assert created.status_code == 201, created.json()
    field_id = created.json()["id"]
    assert "tender" in client.get("/api/schema/?format=json").content.decode()
    response = client.patch(f"/api/custom-fields/{field_id}/", {"label": "采购方式"}, format="json")
    assert response.status_code == 200 and response.json()["label"] == "采购方式"
    assert client.patch(f"/api/custom-fields/{field_id}/", {"is_active": False}, format="json").status_code == 200
    assert not CustomField.objects.get(pk=field_id).is_active
    refused = client.patch(f"/api/custom-fields/{field_id}/", {"key": "other"}, format="json")
    assert refused.status_code == 400


def test_a_rep_cannot_create_or_change_a_field_and_nothing_is_written(actors, api):
    field = CustomField.objects.create(entity="customer", key="budget_source", label="预算来源", field_type="text")
    before = CustomField.objects.count()
    client = api(actors.rep)
    assert client.post("/api/custom-fields/", {"entity": "customer", "label": "x", "field_type": "text"},
                       format="json").status_code == 403
    assert client.patch(f"/api/custom-fields/{field.pk}/", {"label": "改"}, format="json").status_code == 403
    field.refresh_from_db()
    assert field.label == "预算来源" and CustomField.objects.count() == before


def test_a_bad_definition_gets_a_chinese_message(actors, api):
    response = api(actors.admin).post("/api/custom-fields/", {"entity": "customer", "label": "等级",
                                                              "field_type": "choice", "choices": []}, format="json")
    assert response.status_code == 400
    assert response.json()["message"]
