from decimal import Decimal

import pytest
from django.test import Client

from shangji.conftest import PASSWORD
from shangji.core.models import AuditEntry, SettingValue
from shangji.core.registry import REGISTRY, setting
from shangji.core.services import setting_update

pytestmark = pytest.mark.django_db


def test_every_setting_has_a_label_help_and_a_default_of_its_type():
    for definition in REGISTRY.values():
        assert definition.label and definition.help, definition.key
        assert definition.parse(definition.default) == definition.default


def test_an_override_takes_effect_and_is_audited(actors):
    assert setting("pipeline.stuck_days") == 90
    setting_update(key="pipeline.stuck_days", raw_value="30", actor=actors.sales_ops)
    assert setting("pipeline.stuck_days") == 30
    entry = AuditEntry.objects.get(entity="setting")
    assert (entry.field, entry.old_value, entry.new_value, entry.actor) == ("pipeline.stuck_days", "90", "30",
                                                                           actors.sales_ops)


@pytest.mark.parametrize("key, raw, words", [
    ("pipeline.stuck_days", "三十", "整数"),
    ("pipeline.stuck_days", "0", "不能小于"),
    ("customers.match_strong_threshold", "1.5", "不能大于"),
])
def test_bad_values_are_refused_in_chinese_and_change_nothing(actors, key, raw, words):
    with pytest.raises(ValueError, match=words):
        setting_update(key=key, raw_value=raw, actor=actors.sales_ops)
    assert not SettingValue.objects.exists()


def test_sales_ops_change_a_threshold_on_the_settings_page(actors):
    client = Client()
    client.login(username=actors.sales_ops.username, password=PASSWORD)
    page = client.get("/settings/")
    assert page.status_code == 200 and "强匹配阈值" in page.content.decode()
    response = client.post("/settings/", {"key": "customers.match_strong_threshold", "value": "0.9"}, follow=True)
    assert "已更新" in response.content.decode()
    assert setting("customers.match_strong_threshold") == Decimal("0.9")


@pytest.mark.parametrize("name", ["rep", "team_lead", "director", "finance"])
def test_only_configuring_roles_open_the_settings_page(actors, name):
    client = Client()
    client.login(username=getattr(actors, name).username, password=PASSWORD)
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", {"key": "pipeline.stuck_days", "value": "1"}).status_code == 403
    assert not SettingValue.objects.exists()
