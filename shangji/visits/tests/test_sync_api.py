"""`/api/visits/` and `POST /api/visits/sync/`: a phone's visits arrive once however often they are sent, a stale
copy conflicts, a visit for a customer the rep no longer sees is refused with the reason, and who sees what."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shangji.conftest import make_customer
from shangji.core.models import Timer
from shangji.visits.choices import CheckInFlag, OptionalField
from shangji.visits.models import PointEntry, Visit, VisitPhoto, VisitSignal
from shangji.visits.tests.test_photos import make_exif, photo

pytestmark = pytest.mark.django_db
CUSTOMER_AT = (Decimal("31.230400"), Decimal("121.473700"))  # People's Square, Shanghai


def _visit(customer, **fields) -> dict:
    now = timezone.now()
    return {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "checked_in_at": (now - timedelta(minutes=30)).isoformat(), "checkin_latitude": "31.230500",
            "checkin_longitude": "121.473800", "pain_keywords": ["交期长", "缺货"],
            "committed_action": "下周二前发送补货方案", "next_follow_up_at": (now + timedelta(days=3)).isoformat(),
            "notes": "门店两款主力型号断货一周，竞品已进场铺货，店长对补货速度不满意。",
            "device_recorded_at": now.isoformat(), **fields}


def _sync(api, user, *visits):
    response = api(user).post("/api/visits/sync/", {"visits": list(visits)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def customer(actors):
    return make_customer(actors.rep, latitude=CUSTOMER_AT[0], longitude=CUSTOMER_AT[1])


def test_a_visit_sent_three_times_is_one_visit(actors, api, customer):
    visit = _visit(customer)
    first, again, third = (_sync(api, actors.rep, visit)[0] for _ in range(3))
    assert first["outcome"] == "created" and again["outcome"] == third["outcome"] == "unchanged"
    assert first["id"] == again["id"] == third["id"]
    assert Visit.objects.count() == 1


def test_a_recorded_visit_keeps_check_in_distance_signals_points_and_a_follow_up_clock(actors, api, customer):
    result = _sync(api, actors.rep, _visit(customer, stock_level=12, competitor_price="18.50"))[0]
    visit = Visit.objects.get(pk=result["id"])
    assert visit.checkin_flag == CheckInFlag.OK and 0 < visit.checkin_distance_m < 50
    assert visit.recorded_at is not None and not visit.device_clock_off
    kinds = set(VisitSignal.objects.filter(visit=visit).values_list("kind", flat=True))
    assert {"stock_out", "competitor_entry", "complaint"} <= kinds
    fields = set(PointEntry.objects.filter(visit=visit).values_list("field", flat=True))
    assert fields == {OptionalField.STOCK_LEVEL, OptionalField.COMPETITOR_PRICE, OptionalField.NOTES}
    assert visit.points == 30
    timer = Timer.objects.get(key=f"visit:{visit.pk}:follow_up", status="pending")
    assert timer.due_at == visit.next_follow_up_at


def test_a_check_in_two_kilometres_away_is_flagged_with_the_distance(actors, api, customer):
    result = _sync(api, actors.rep, _visit(customer, checkin_latitude="31.248400", checkin_longitude="121.473700"))
    visit = Visit.objects.get(pk=result[0]["id"])
    assert visit.checkin_flag == CheckInFlag.FAR and 1900 < visit.checkin_distance_m < 2100


def test_a_phone_clock_in_the_future_is_recorded_as_given_and_flagged(actors, api, customer):
    future = timezone.now() + timedelta(days=2)
    result = _sync(api, actors.rep, _visit(customer, device_recorded_at=future.isoformat()))[0]
    visit = Visit.objects.get(pk=result["id"])
    assert visit.device_clock_off and abs((visit.device_recorded_at - future).total_seconds()) < 1


def test_an_edit_on_the_current_version_applies_and_a_stale_copy_conflicts(actors, api, customer):
    visit = _visit(customer)
    created = _sync(api, actors.rep, visit)[0]
    edited = _sync(api, actors.rep, {**visit, "committed_action": "周五带样品上门", "version": created["version"]})[0]
    assert edited["outcome"] == "updated" and edited["version"] == created["version"] + 1
    stale = _sync(api, actors.rep, {**visit, "committed_action": "另一台手机的改动", "version": created["version"]})[0]
    assert stale["outcome"] == "conflict" and "version" in stale["errors"]
    assert Visit.objects.get(pk=created["id"]).committed_action == "周五带样品上门"


def test_the_three_required_fields_are_named_in_chinese_and_nothing_is_written(actors, api, customer):
    result = _sync(api, actors.rep, _visit(customer, pain_keywords=[], committed_action="", next_follow_up_at=None))
    assert result[0]["outcome"] == "rejected"
    assert set(result[0]["errors"]) == {"pain_keywords", "committed_action", "next_follow_up_at"}
    assert result[0]["errors"]["committed_action"] == ["请填写本次承诺动作。"]
    assert not Visit.objects.exists() and not PointEntry.objects.exists()


def test_one_bad_visit_does_not_block_the_others_in_the_batch(actors, api, customer):
    results = _sync(api, actors.rep, _visit(customer), _visit(customer, stock_level="很多"), _visit(customer))
    assert [r["outcome"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["errors"]["stock_level"]


def test_a_visit_for_a_customer_the_rep_no_longer_sees_is_refused_with_the_reason(actors, api):
    theirs = make_customer(actors.other_rep, name="深圳南山电子有限公司")
    result = _sync(api, actors.rep, _visit(theirs))[0]
    assert result["outcome"] == "rejected" and "无权查看该客户" in result["errors"]["customer"][0]
    assert not Visit.objects.exists()


def test_someone_else_cannot_overwrite_a_visit_by_reusing_its_client_id(actors, api, customer):
    visit = _visit(customer)
    _sync(api, actors.rep, visit)
    shared = make_customer(actors.teammate, name="上海浦东商贸有限公司")
    result = _sync(api, actors.teammate, {**visit, "customer": shared.pk, "version": 1})[0]
    assert result["outcome"] == "rejected"
    assert Visit.objects.get().owner == actors.rep


def test_bad_batches_are_refused_whole(actors, api):
    client = api(actors.rep)
    assert client.post("/api/visits/sync/", {"visits": "x"}, format="json").status_code == 400
    too_many = [{"client_id": str(uuid.uuid4())}] * 51
    response = client.post("/api/visits/sync/", {"visits": too_many}, format="json")
    assert response.status_code == 400 and "一次最多同步 50 条" in response.json()["message"]
    assert api(None).post("/api/visits/sync/", {"visits": []}, format="json").status_code in (401, 403)


def test_who_sees_which_visits(actors, api, customer):
    mine = _sync(api, actors.rep, _visit(customer))[0]["id"]
    theirs_customer = make_customer(actors.other_rep, name="深圳南山电子有限公司")
    theirs = _sync(api, actors.other_rep, _visit(theirs_customer))[0]["id"]

    def ids(user):
        return {row["id"] for row in api(user).get("/api/visits/").json()["results"]}

    assert ids(actors.rep) == {mine}
    assert ids(actors.teammate) == set()
    assert ids(actors.team_lead) == {mine}
    assert ids(actors.other_rep) == {theirs}
    assert ids(actors.director) == {mine, theirs}
    assert api(actors.teammate).get(f"/api/visits/{mine}/").status_code == 404


def _upload(api, user, visit_id, data, kind="shelf", client_id=None):
    return api(user).post(f"/api/visits/{visit_id}/photos/", {
        "file": SimpleUploadedFile("shelf.jpg", data, content_type="image/jpeg"), "kind": kind,
        "client_id": client_id or str(uuid.uuid4())}, format="multipart")


def test_a_photo_with_exif_far_from_the_customer_is_flagged_and_earns_points_once(actors, api, customer):
    visit_id = _sync(api, actors.rep, _visit(customer, notes=""))[0]["id"]
    visit = Visit.objects.get(pk=visit_id)
    taken = visit.visited_at.astimezone(UTC).replace(tzinfo=None)
    far = photo(make_exif(taken=taken.strftime("%Y:%m:%d %H:%M:%S"), offset="+00:00", position=(31.2484, 121.4737)))
    key = str(uuid.uuid4())
    first = _upload(api, actors.rep, visit_id, far, client_id=key)
    assert first.status_code == 201, first.content
    assert first.json()["flags"] == ["far"] and 1900 < first.json()["distance_m"] < 2100
    assert _upload(api, actors.rep, visit_id, far, client_id=key).status_code == 200  # a retried upload
    assert VisitPhoto.objects.count() == 1
    assert Visit.objects.get(pk=visit_id).points == 10


def test_a_photo_without_exif_is_marked_and_a_text_file_is_refused(actors, api, customer):
    visit_id = _sync(api, actors.rep, _visit(customer))[0]["id"]
    stripped = _upload(api, actors.rep, visit_id, photo(None))
    assert stripped.status_code == 201 and stripped.json()["flags"] == ["no_exif"]
    refused = _upload(api, actors.rep, visit_id, "不是图片".encode())
    assert refused.status_code == 400 and "只能上传 JPG、PNG 或 WebP 照片" in refused.json()["message"]
    assert VisitPhoto.objects.count() == 1


def test_only_the_visits_owner_adds_photos(actors, api, customer):
    visit_id = _sync(api, actors.rep, _visit(customer))[0]["id"]
    assert _upload(api, actors.team_lead, visit_id, photo(None)).status_code == 403  # sees it, may not add
    assert _upload(api, actors.teammate, visit_id, photo(None)).status_code == 404
    assert not VisitPhoto.objects.exists()


def test_the_follow_up_timer_reminds_the_rep_unless_the_customer_was_visited_since(actors, api, customer):
    from shangji.core.timers import timers_fire_due
    from shangji.notify.models import Notification

    first = _sync(api, actors.rep, _visit(customer))[0]["id"]
    due = Visit.objects.get(pk=first).next_follow_up_at
    assert timers_fire_due(now=due + timedelta(minutes=1)) == 1
    reminder = Notification.objects.get(recipient=actors.rep, source="visit_follow_up")
    assert customer.name in reminder.title and "下周二前发送补货方案" in reminder.body


def test_the_three_fields_are_not_needed_for_a_planned_visit(actors, api, customer):
    planned = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "planned",
               "planned_on": datetime.now().date().isoformat(), "plan_position": 2}
    result = _sync(api, actors.rep, planned)[0]
    assert result["outcome"] == "created"
    visit = Visit.objects.get(pk=result["id"])
    assert visit.recorded_at is None and visit.points == 0 and not visit.signals.exists()


def test_a_photo_taken_during_the_visit_at_the_customer_has_no_flags(actors, api, customer):
    visit_id = _sync(api, actors.rep, _visit(customer))[0]["id"]
    visit = Visit.objects.get(pk=visit_id)
    during = (visit.visited_at + timedelta(minutes=10)).astimezone(UTC).replace(tzinfo=None)
    shot = photo(make_exif(taken=during.strftime("%Y:%m:%d %H:%M:%S"), offset="+00:00", position=(31.2305, 121.4738)))
    response = _upload(api, actors.rep, visit_id, shot)
    assert response.status_code == 201 and response.json()["flags"] == []
    assert response.json()["distance_m"] < 50


def test_a_photo_id_of_another_visit_is_refused_not_handed_out(actors, api, customer):
    first, second = (r["id"] for r in _sync(api, actors.rep, _visit(customer), _visit(customer)))
    key = str(uuid.uuid4())
    assert _upload(api, actors.rep, first, photo(None), client_id=key).status_code == 201
    reused = _upload(api, actors.rep, second, photo(None), client_id=key)
    assert reused.status_code == 400
    assert VisitPhoto.objects.get().visit_id == first


def test_a_photo_is_served_to_who_sees_the_visit_and_nobody_else(actors, api, customer):
    visit_id = _sync(api, actors.rep, _visit(customer))[0]["id"]
    url = _upload(api, actors.rep, visit_id, photo(None)).json()["url"]
    mine = api(actors.rep).get(url)
    assert mine.status_code == 200 and mine["Content-Type"] == "image/jpeg"
    assert api(actors.team_lead).get(url).status_code == 200
    assert api(actors.teammate).get(url).status_code == 404


def test_list_filters_refuse_bad_values_in_chinese(actors, api, customer):
    _sync(api, actors.rep, _visit(customer))
    client = api(actors.rep)
    assert len(client.get(f"/api/visits/?customer={customer.pk}&status=recorded").json()["results"]) == 1
    assert client.get("/api/visits/?status=planned").json()["results"] == []
    bad = client.get("/api/visits/?customer=abc&visited_after=昨天")
    assert bad.status_code == 400 and bad.json()["message"] == "客户：输入一个数字。"
    assert set(bad.json()["fields"]) == {"customer", "visited_after"}
