"""/settings/visits/ (V2, V6, V1): only sales ops and admins edit the signal dictionary, objections with their talk
tracks and rewards; every edit is validated in Chinese, audited, and a saved dictionary word is found in the next
visit."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from shangji.conftest import make_customer, signed_in
from shangji.core.models import AuditEntry
from shangji.visits import services
from shangji.visits.models import ObjectionType, Reward, SignalKind, TalkTrack, VisitSignal

pytestmark = pytest.mark.django_db
PAGES = ["/settings/visits/signals/", "/settings/visits/signals/new/", "/settings/visits/objections/",
         "/settings/visits/objections/new/", "/settings/visits/rewards/", "/settings/visits/rewards/new/"]


def _state():
    return (list(SignalKind.objects.values_list("code", "label", "words", "is_active", "sequence")),
            list(ObjectionType.objects.values_list("name", "is_active", "sequence")),
            list(TalkTrack.objects.values_list("title", "answer", "sequence")),
            list(Reward.objects.values_list("name", "cost", "is_active")), AuditEntry.objects.count())


@pytest.mark.parametrize("who", ["rep", "team_lead", "director", "finance", "presales"])
def test_people_who_do_not_configure_get_403_and_change_nothing(actors, who):
    client = signed_in(getattr(actors, who))
    objection, kind = ObjectionType.objects.first(), SignalKind.objects.first()
    track = TalkTrack.objects.first()
    reward = Reward.objects.create(name="产品培训", cost=50)
    before = _state()
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    posts = [("/settings/visits/signals/new/", {"label": "新信号", "code": "new_one", "risk": "high", "words": "断档"}),
             (f"/settings/visits/signals/{kind.pk}/", {"label": "改名", "risk": "low", "words": "断档"}),
             (f"/settings/visits/signals/{kind.pk}/move/", {"direction": "down"}),
             ("/settings/visits/objections/new/", {"name": "太远了", "is_active": "on"}),
             (f"/settings/visits/objections/{objection.pk}/active/", {"is_active": "0"}),
             (f"/settings/visits/objections/{objection.pk}/move/", {"direction": "down"}),
             (f"/settings/visits/objections/{objection.pk}/tracks/new/", {"title": "t", "answer": "a"}),
             (f"/settings/visits/tracks/{track.pk}/delete/", {}),
             (f"/settings/visits/rewards/{reward.pk}/", {"name": "改", "cost": "1", "is_active": "on"})]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/settings/visits/signals/").status_code == 302


@pytest.mark.parametrize("who", ["sales_ops", "admin"])
def test_sales_ops_and_admins_open_every_editor(actors, who):
    client = signed_in(getattr(actors, who))
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert "缺货" in client.get("/settings/visits/signals/").content.decode()
    assert "拜访：信号词典、异议话术、积分奖励" in client.get("/settings/").content.decode()


def test_a_new_signal_needs_a_unique_code_at_least_one_word_and_words_of_the_right_length(actors):
    client = signed_in(actors.sales_ops)
    taken = client.post("/settings/visits/signals/new/", {"label": "断货2", "code": "stock_out", "risk": "high",
                                                          "words": ""}).content.decode()
    assert "代码“stock_out”已被其他信号使用。" in taken and "请至少填写一个触发词。" in taken
    bad = client.post("/settings/visits/signals/new/", {"label": "太贵", "code": "Bad Code", "risk": "high",
                                                        "words": "贵 价格高"}).content.decode()
    assert "代码须为 2–40 个小写英文字母" in bad and "触发词须为 2–40 个字：贵。" in bad
    punct = client.post("/settings/visits/signals/new/", {"label": "竞品", "code": "rival", "risk": "high",
                                                          "words": "竞品。进场"}).content.decode()
    assert "含有标点或换行" in punct and not SignalKind.objects.filter(code="rival").exists()
    assert not AuditEntry.objects.filter(entity="signal_kind").exists()


def test_the_shortest_word_is_a_setting(actors):
    from shangji.core.services import setting_update

    setting_update(key="visits.signal_word_min_chars", raw_value="1", actor=actors.admin)
    response = signed_in(actors.sales_ops).post("/settings/visits/signals/new/", {
        "label": "嫌贵", "code": "too_dear", "risk": "medium", "words": "贵", "is_active": "on"})
    assert response.status_code == 302 and SignalKind.objects.get(code="too_dear").words == ["贵"]


def test_a_saved_dictionary_word_finds_a_signal_in_the_next_visit(actors):
    customer = make_customer(actors.rep)
    response = signed_in(actors.sales_ops).post("/settings/visits/signals/new/", {
        "label": "冷链故障", "code": "cold_chain", "risk": "high", "words": "冷柜坏了，温控失灵", "is_active": "on"})
    assert response.status_code == 302
    kind = SignalKind.objects.get(code="cold_chain")
    assert kind.words == ["冷柜坏了", "温控失灵"] and kind.sequence > 0
    assert AuditEntry.objects.filter(entity="signal_kind", entity_id=kind.pk, action="created").exists()
    now = timezone.now()
    [result] = services.visits_sync(actor=actors.rep, items=[{
        "client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded", "pain_keywords": ["陈列"],
        "committed_action": "明天派人检修", "next_follow_up_at": (now + timedelta(days=1)).isoformat(),
        "notes": "店长说冷柜坏了三天，酸奶只能下架。"}])
    assert VisitSignal.objects.filter(visit_id=result.id, kind="cold_chain", risk="high").exists()


def test_switching_a_signal_off_stops_it_in_new_visits_and_its_code_cannot_change(actors):
    kind = SignalKind.objects.get(code="stock_out")
    client = signed_in(actors.sales_ops)
    response = client.post(f"/settings/visits/signals/{kind.pk}/", {
        "label": "缺货", "code": "renamed", "risk": "high", "words": " ".join(kind.words)})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.code == "stock_out" and not kind.is_active
    assert AuditEntry.objects.filter(entity="signal_kind", entity_id=kind.pk, field="is_active").exists()
    assert "stock_out" not in {rule.kind for rule in services.signal_rules()}


def test_the_try_out_box_shows_what_the_dictionary_finds(actors):
    page = signed_in(actors.sales_ops).get("/settings/visits/signals/", {"sample": "门店不缺货，但竞品已进场。"})
    text = page.content.decode()
    assert 'id="tryout-result"' in text and "竞品进场" in text.split('id="tryout-result"')[1]
    assert "缺货</span>" not in text.split('id="tryout-result"')[1]  # negated: 不缺货


def test_signals_objections_and_talk_tracks_move_up_and_down(actors):
    client = signed_in(actors.sales_ops)
    first, second = ObjectionType.objects.order_by("sequence", "id")[:2]
    client.post(f"/settings/visits/objections/{second.pk}/move/", {"direction": "up"})
    assert list(ObjectionType.objects.order_by("sequence", "id")[:2]) == [second, first]
    tracks = list(TalkTrack.objects.filter(objection=first).order_by("sequence", "id"))
    client.post(f"/settings/visits/tracks/{tracks[0].pk}/move/", {"direction": "down"})
    assert list(TalkTrack.objects.filter(objection=first).order_by("sequence", "id")) == tracks[::-1]
    kinds = list(SignalKind.objects.order_by("sequence", "id")[:2])
    client.post(f"/settings/visits/signals/{kinds[0].pk}/move/", {"direction": "down"})
    assert list(SignalKind.objects.order_by("sequence", "id")[:2]) == kinds[::-1]
    assert AuditEntry.objects.filter(action="moved").count() == 3


def test_objections_are_added_renamed_uniquely_and_switched_off(actors):
    client = signed_in(actors.sales_ops)
    duplicate = client.post("/settings/visits/objections/new/", {"name": "价格太高", "is_active": "on"})
    assert "已有名为“价格太高”的异议。" in duplicate.content.decode()
    assert client.post("/settings/visits/objections/new/", {"name": "距离太远", "is_active": "on"}).status_code == 302
    added = ObjectionType.objects.get(name="距离太远")
    assert added.sequence == ObjectionType.objects.order_by("-sequence").first().sequence
    client.post(f"/settings/visits/objections/{added.pk}/active/", {"is_active": "0"})
    added.refresh_from_db()
    assert not added.is_active
    assert AuditEntry.objects.filter(entity="objection_type", entity_id=added.pk, field="is_active").exists()


def test_talk_tracks_are_added_edited_and_deleted_with_messages_for_blank_fields(actors):
    client = signed_in(actors.sales_ops)
    objection = ObjectionType.objects.get(name="已有供应商")
    blank = client.post(f"/settings/visits/objections/{objection.pk}/tracks/new/", {"title": "", "answer": ""})
    assert "请填写话术标题。" in blank.content.decode() and "请填写话术内容。" in blank.content.decode()
    client.post(f"/settings/visits/objections/{objection.pk}/tracks/new/",
                {"title": "先做备选", "answer": "建议客户把我们作为备选供应商，先从一个品类试单。"})
    track = TalkTrack.objects.get(title="先做备选")
    assert track.objection == objection
    client.post(f"/settings/visits/objections/{objection.pk}/tracks/{track.pk}/",
                {"title": "先做备选供应商", "answer": track.answer})
    track.refresh_from_db()
    assert track.title == "先做备选供应商"
    client.post(f"/settings/visits/tracks/{track.pk}/delete/")
    assert not TalkTrack.objects.filter(pk=track.pk).exists()
    assert set(AuditEntry.objects.filter(entity="talk_track", entity_id=track.pk).values_list("action", flat=True)) \
        == {"created", "updated", "deleted"}


def test_rewards_are_validated_and_saved(actors):
    client = signed_in(actors.admin)
    bad = client.post("/settings/visits/rewards/new/", {"name": "", "cost": "0"}).content.decode()
    assert "请填写奖励名称。" in bad and "所需积分须为 1 到 1000000 之间的整数。" in bad
    client.post("/settings/visits/rewards/new/", {"name": "物流优先发货一次", "description": "下一单优先排车",
                                                  "cost": "200", "is_active": "on"})
    reward = Reward.objects.get(name="物流优先发货一次")
    assert (reward.cost, reward.is_active) == (200, True)
    client.post(f"/settings/visits/rewards/{reward.pk}/", {"name": reward.name, "description": reward.description,
                                                          "cost": "150"})
    reward.refresh_from_db()
    assert (reward.cost, reward.is_active) == (150, False)
    assert "物流优先发货一次" in client.get("/settings/visits/rewards/").content.decode()
    assert set(AuditEntry.objects.filter(entity="reward", entity_id=reward.pk, action="updated")
               .values_list("field", flat=True)) == {"cost", "is_active"}
