"""Audio recordings of a visit (V2): accepted by what the bytes are, refused with a Chinese reason and nothing
stored, idempotent by the phone's id, served only to who sees the visit, and worth one optional field's points."""

from __future__ import annotations

import io
import struct
import uuid
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shangji.conftest import make_customer, signed_in
from shangji.core.services import setting_update
from shangji.visits import audio
from shangji.visits.choices import OptionalField
from shangji.visits.models import PointEntry, Visit, VisitRecording
from shangji.visits.services import visits_sync

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# Tiny but real files, made here


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def ogg_page(payload: bytes, *, granule: int, sequence: int, kind: int = 0) -> bytes:
    header = b"OggS" + struct.pack("<BBqIIIB", 0, kind, granule, 0x5EED, sequence, 0, 1) + bytes([len(payload)])
    return header + payload


def ogg_opus(seconds: float, pre_skip: int = 312) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48_000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    last = int(seconds * 48_000) + pre_skip
    return (ogg_page(head, granule=0, sequence=0, kind=2) + ogg_page(tags, granule=0, sequence=1)
            + ogg_page(b"\xfc" * 40, granule=last // 2, sequence=2) + ogg_page(b"\xfc" * 40, granule=last, sequence=3,
                                                                                kind=4))


WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64
M4A = struct.pack(">I", 24) + b"ftypM4A \x00\x00\x02\x00M4A isom" + b"\x00\x00\x00\x08free" + b"\x00" * 32
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413
AAC_ADTS = b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x21\x00" * 8
AMR = b"#!AMR\n" + b"\x3c" + b"\x00" * 31
AMR_WB = b"#!AMR-WB\n" + b"\x04" + b"\x00" * 32


# ---------------------------------------------------------------------------------------------------------
# Recognising the bytes (audio.py)


@pytest.mark.parametrize(("data", "content_type", "extension"), [
    (wav(), "audio/wav", "wav"), (ogg_opus(1.0), "audio/ogg", "ogg"), (WEBM, "audio/webm", "webm"),
    (M4A, "audio/mp4", "m4a"), (MP3_ID3, "audio/mpeg", "mp3"), (MP3_FRAME, "audio/mpeg", "mp3"),
    (AAC_ADTS, "audio/aac", "aac"), (AMR, "audio/amr", "amr"), (AMR_WB, "audio/amr-wb", "awb")])
def test_each_audio_format_is_recognised_by_its_first_bytes(data, content_type, extension):
    info = audio.read_audio(data, max_bytes=10**6)
    assert (info.content_type, info.extension) == (content_type, extension)


def test_wav_and_ogg_opus_durations_come_from_their_headers_others_stay_unknown():
    assert audio.read_audio(wav(2.5), max_bytes=10**6).duration_s == 2.5
    assert audio.read_audio(ogg_opus(3.0), max_bytes=10**6).duration_s == 3.0
    assert audio.read_audio(WEBM, max_bytes=10**6).duration_s is None
    assert audio.read_audio(MP3_ID3, max_bytes=10**6).duration_s is None


def test_a_wav_whose_recorder_never_wrote_the_data_size_counts_the_bytes_present():
    data = bytearray(wav(1.0))
    at = data.find(b"data")
    data[at + 4:at + 8] = struct.pack("<I", 0xFFFFFFFF)
    assert audio.wav_duration(bytes(data)) == 1.0
    data[at + 4:at + 8] = struct.pack("<I", 0)
    assert audio.wav_duration(bytes(data)) == 1.0


def test_a_wav_cut_short_before_its_data_has_no_duration_but_no_error():
    assert audio.read_audio(wav(1.0)[:30], max_bytes=10**6).duration_s is None


@pytest.mark.parametrize("data", [b"just some text, renamed to .mp3", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
                                  b"\xff\xd8\xff\xe0JFIF", b"RIFF\x00\x00\x00\x00AVI "])
def test_text_images_and_video_containers_are_not_audio(data):
    with pytest.raises(ValidationError) as refused:
        audio.read_audio(data, max_bytes=10**6)
    assert "不是可识别的录音文件" in refused.value.messages[0] and "WAV" in refused.value.messages[0]


# ---------------------------------------------------------------------------------------------------------
# The API


@pytest.fixture(autouse=True)
def _own_media_dir(_uploads_in_a_temporary_dir, settings, tmp_path):
    # The shared media dir holds other tests' files; these tests count what one upload leaves behind.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(actors):
    return make_customer(actors.rep)


def _visit(api, user, customer, **fields) -> int:
    now = timezone.now()
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "recorded",
            "checked_in_at": (now - timedelta(minutes=1)).isoformat(), "pain_keywords": ["交期长"],
            "committed_action": "下周二前发送补货方案", "next_follow_up_at": (now + timedelta(days=3)).isoformat(),
            "device_recorded_at": now.isoformat(), **fields}
    response = api(user).post("/api/visits/sync/", {"visits": [item]}, format="json")
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert result["outcome"] == "created", result
    return result["id"]


def _upload(api, user, visit_id, data, *, name="visit.m4a", declared="audio/mp4", client_id=None):
    return api(user).post(f"/api/visits/{visit_id}/recordings/", {
        "file": SimpleUploadedFile(name, data, content_type=declared), "client_id": client_id or str(uuid.uuid4())},
        format="multipart")


def _stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "visits" / "audio"
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


@pytest.mark.parametrize(("data", "content_type"), [
    (wav(), "audio/wav"), (ogg_opus(1.0), "audio/ogg"), (WEBM, "audio/webm"), (M4A, "audio/mp4"),
    (MP3_ID3, "audio/mpeg"), (MP3_FRAME, "audio/mpeg"), (AMR, "audio/amr")])
def test_the_rep_uploads_each_format_and_it_is_stored_as_what_the_bytes_are(actors, api, customer, data,
                                                                          content_type):
    visit_id = _visit(api, actors.rep, customer)
    response = _upload(api, actors.rep, visit_id, data, declared="application/octet-stream")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type and body["size"] == len(data)
    stored = VisitRecording.objects.get()
    assert stored.file.name.startswith("visits/audio/") and stored.file.read() == data


def test_a_wav_upload_carries_its_duration_into_the_visit_list(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    recording = _upload(api, actors.rep, visit_id, wav(1.5), name="门店.wav", declared="audio/wav").json()
    assert recording["duration_s"] == 1.5
    listed = api(actors.rep).get(f"/api/visits/{visit_id}/").json()
    assert [(r["id"], r["url"], r["duration_s"]) for r in listed["recordings"]] == [
        (recording["id"], f"/api/visits/{visit_id}/recordings/{recording['id']}/", 1.5)]
    assert api(actors.rep).get("/api/visits/").json()["results"][0]["recordings"][0]["size"] == len(wav(1.5))


def test_a_text_file_renamed_to_mp3_is_refused_in_chinese_and_nothing_is_stored(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    refused = _upload(api, actors.rep, visit_id, "客户说下周再谈".encode(), name="录音.mp3", declared="audio/mpeg")
    assert refused.status_code == 400
    assert "不是可识别的录音文件" in refused.json()["message"]
    assert not VisitRecording.objects.exists() and _stored_files() == []
    assert Visit.objects.get(pk=visit_id).points == 0


def test_an_empty_file_is_refused(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    refused = _upload(api, actors.rep, visit_id, b"")
    assert refused.status_code == 400 and not VisitRecording.objects.exists()


def test_a_recording_over_the_size_setting_is_refused_with_the_limit(actors, api, customer):
    setting_update(key="visits.audio_max_mb", raw_value="1", actor=actors.admin)
    visit_id = _visit(api, actors.rep, customer)
    big = wav(70.0)  # 8 kHz 16-bit mono: 1.12 MB
    assert len(big) > 1024 * 1024
    refused = _upload(api, actors.rep, visit_id, big, declared="audio/wav")
    assert refused.status_code == 400
    assert "录音不能超过 1 MB" in refused.json()["message"]
    assert not VisitRecording.objects.exists() and _stored_files() == []
    assert _upload(api, actors.rep, visit_id, wav(30.0), declared="audio/wav").status_code == 201


def test_a_resent_recording_is_one_recording_and_earns_points_once(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    key = str(uuid.uuid4())
    first = _upload(api, actors.rep, visit_id, wav(), client_id=key)
    again = _upload(api, actors.rep, visit_id, wav(), client_id=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert _upload(api, actors.rep, visit_id, M4A).status_code == 201  # a second recording: no second points
    assert VisitRecording.objects.count() == 2 and len(_stored_files()) == 2
    entries = PointEntry.objects.filter(visit_id=visit_id)
    assert list(entries.values_list("field", "points")) == [(OptionalField.RECORDING, 10)]
    assert Visit.objects.get(pk=visit_id).points == 10


def test_a_recording_of_a_visit_not_yet_recorded_earns_its_points_when_the_record_arrives(actors, api, customer):
    now = timezone.now()
    item = {"client_id": str(uuid.uuid4()), "customer": customer.pk, "status": "checked_in",
            "checked_in_at": now.isoformat()}
    visit_id = visits_sync(actor=actors.rep, items=[item])[0].id
    assert _upload(api, actors.rep, visit_id, wav()).status_code == 201
    assert Visit.objects.get(pk=visit_id).points == 0
    item.update(status="recorded", pain_keywords=["缺货"], committed_action="周五前补货", version=1,
                next_follow_up_at=(now + timedelta(days=2)).isoformat(), device_recorded_at=now.isoformat())
    assert visits_sync(actor=actors.rep, items=[item])[0].outcome == "updated"
    assert Visit.objects.get(pk=visit_id).points == 10


def test_someone_elses_visit_is_not_found_and_a_manager_may_not_add_to_it(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    assert _upload(api, actors.teammate, visit_id, wav()).status_code == 404  # cannot see it
    assert _upload(api, actors.team_lead, visit_id, wav()).status_code == 403  # sees it, is not its rep
    assert not VisitRecording.objects.exists() and _stored_files() == []


def test_a_recording_id_of_another_visit_is_refused_not_handed_out(actors, api, customer):
    first, second = _visit(api, actors.rep, customer), _visit(api, actors.rep, customer)
    key = str(uuid.uuid4())
    assert _upload(api, actors.rep, first, wav(), client_id=key).status_code == 201
    reused = _upload(api, actors.rep, second, wav(), client_id=key)
    assert reused.status_code == 400 and "客户端编号已被占用" in reused.json()["message"]
    assert VisitRecording.objects.get().visit_id == first and len(_stored_files()) == 1


def test_a_missing_file_or_client_id_is_refused(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    no_file = api(actors.rep).post(f"/api/visits/{visit_id}/recordings/", {"client_id": str(uuid.uuid4())},
                                   format="multipart")
    assert no_file.status_code == 400 and "请选择录音文件" in no_file.json()["message"]
    no_id = _upload(api, actors.rep, visit_id, wav(), client_id="not-a-uuid")
    assert no_id.status_code == 400 and not VisitRecording.objects.exists()


def test_a_recording_is_served_to_who_sees_the_visit_and_nobody_else(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    data = wav()
    url = _upload(api, actors.rep, visit_id, data, declared="audio/x-anything").json()["url"]
    mine = api(actors.rep).get(url)
    assert mine.status_code == 200 and mine["Content-Type"] == "audio/wav"
    assert b"".join(mine.streaming_content) == data
    assert api(actors.team_lead).get(url).status_code == 200
    assert api(actors.teammate).get(url).status_code == 404
    other = _visit(api, actors.rep, customer)
    assert api(actors.rep).get(url.replace(f"/{visit_id}/", f"/{other}/")).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_the_customer_timeline_plays_the_recordings_of_visits_the_viewer_sees(actors, api, customer):
    visit_id = _visit(api, actors.rep, customer)
    recording = _upload(api, actors.rep, visit_id, wav(65.0), declared="audio/wav").json()
    html = signed_in(actors.team_lead).get(f"/customers/{customer.pk}/").content.decode()
    assert f'src="/api/visits/{visit_id}/recordings/{recording["id"]}/"' in html
    assert '<audio controls preload="none"' in html and "1:05" in html


def test_the_phone_form_offers_a_recording_with_its_points_and_the_day_data_lists_kept_ones(actors, api, customer):
    setting_update(key="visits.points_per_field", raw_value="15", actor=actors.admin)
    page = signed_in(actors.rep).get("/visits/").content.decode()
    assert 'id="recording-file" accept="audio/*" capture' in page and 'id="record-toggle"' in page
    assert "拜访录音" in page and "+15 积分" in page
    visit_id = _visit(api, actors.rep, customer)
    _upload(api, actors.rep, visit_id, wav(2.0), declared="audio/wav")
    data = signed_in(actors.rep).get("/visits/data.json").json()
    [visit] = [v for v in data["visits"] if v["id"] == visit_id]
    assert [r["duration_s"] for r in visit["recordings"]] == [2.0]


def test_the_openapi_schema_describes_the_upload_and_the_download(actors, api):
    import json

    schema = json.loads(api(actors.admin).get("/api/schema/?format=json").content)
    upload = schema["paths"]["/api/visits/{id}/recordings/"]["post"]
    assert set(upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].split("/")[-1:]) == {
        "VisitRecordingUploadRequest"}
    assert "/api/visits/{id}/recordings/{recording_id}/" in schema["paths"]
    assert "recordings" in schema["components"]["schemas"]["Visit"]["properties"]
