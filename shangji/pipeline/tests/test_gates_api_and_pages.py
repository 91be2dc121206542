"""P2 through the API and the pages: 400 gate_not_met with the missing list, the checklist endpoint and
partial, the kanban's JSON answer, uploads (limits, rights), downloads (visibility), questionnaires."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shangji.conftest import make_opportunity, satisfy_gates, signed_in, stage
from shangji.core.attachments import attachment_add
from shangji.core.models import Attachment, AuditEntry, Event
from shangji.core.services import freeze_set, setting_update
from shangji.customers.models import CustomerShare, Interaction
from shangji.pipeline.models import FormSubmission, FormTemplate, Opportunity, StageChange

pytestmark = pytest.mark.django_db
MISSING = ["缺少：《客户需求清单》（需填写）", "缺少：通话录音纪要（需上传）"]
JSON = {"HTTP_ACCEPT": "application/json"}


def pdf(name="通话纪要.pdf", content=b"%PDF-1.4 minutes"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def snapshot():
    return (list(Opportunity.objects.values_list("pk", "stage_id", "version")), StageChange.objects.count(),
            AuditEntry.objects.count(), Event.objects.count(), Attachment.objects.count(),
            FormSubmission.objects.count(), Interaction.objects.count())


def media_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_patching_past_an_unmet_gate_answers_400_with_the_missing_items_and_changes_nothing(actors, api):
    deal = make_opportunity(actors.rep, stage="需求确认")
    before = snapshot()
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", {"stage": stage("方案提交").pk},
                                     format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "gate_not_met" and body["missing"] == MISSING
    assert body["message"].startswith("无法推进到“方案提交”")
    assert snapshot() == before


def test_the_checklist_endpoint_shows_evidence_and_what_is_missing(actors, api):
    deal = make_opportunity(actors.rep, stage="需求确认")
    attachment_add(entity="opportunity", entity_id=deal.pk, kind="call_recording_summary", upload=pdf(),
                   actor=actors.rep)
    body = api(actors.rep).get(f"/api/opportunities/{deal.pk}/gates/", {"to_stage": stage("方案提交").pk}).json()
    assert body["gated"] is True and body["met"] is False and body["missing"] == MISSING[:1]
    summary = body["items"][1]
    assert summary["met"] and summary["evidence"][0]["text"].startswith("通话录音纪要：通话纪要.pdf 张伟")
    assert summary["evidence"][0]["at"]
    back = api(actors.rep).get(f"/api/opportunities/{deal.pk}/gates/", {"to_stage": stage("接触").pk}).json()
    assert back == {"to_stage": stage("接触").pk, "gated": False, "met": True, "items": [], "missing": []}
    assert api(actors.rep).get(f"/api/opportunities/{deal.pk}/gates/").status_code == 400
    assert api(actors.other_rep).get(f"/api/opportunities/{deal.pk}/gates/",
                                     {"to_stage": stage("方案提交").pk}).status_code == 404


def test_a_frozen_deal_answers_400_frozen_through_the_api(actors, api):
    deal = make_opportunity(actors.rep, stage="线索")
    freeze_set(entity="opportunity", entity_id=deal.pk, action="move", reason="等待法务审核")
    response = api(actors.rep).patch(f"/api/opportunities/{deal.pk}/", {"stage": stage("接触").pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "frozen"
    assert "等待法务审核" in response.json()["message"]


def test_the_kanban_move_answers_400_gate_not_met_with_the_missing_items(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    before = snapshot()
    answer = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/move/",
                                        {"stage": stage("方案提交").pk, "version": deal.version}, **JSON)
    assert answer.status_code == 400
    assert answer.json()["code"] == "gate_not_met" and answer.json()["missing"] == MISSING
    assert "缺少：《客户需求清单》" in answer.json()["message"]
    assert snapshot() == before
    satisfy_gates(deal)
    deal.refresh_from_db()
    moved = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/move/",
                                       {"stage": stage("方案提交").pk, "version": deal.version}, **JSON)
    assert moved.status_code == 200 and moved.json()["stage"] == stage("方案提交").pk


def test_the_detail_page_move_is_refused_with_the_missing_sentence(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    page = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/move/", {"stage": stage("方案提交").pk},
                                      follow=True).content.decode()
    assert "缺少：《客户需求清单》（需填写）" in page and "缺少：通话录音纪要（需上传）" in page
    deal.refresh_from_db()
    assert deal.stage.name == "需求确认"


def test_the_checklist_partial_lists_items_with_links_to_fill_and_upload(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    client = signed_in(actors.rep)
    html = client.get(f"/opportunities/{deal.pk}/gates/", {"stage": stage("方案提交").pk}).content.decode()
    assert 'data-gated="1"' in html and 'data-met="0"' in html
    assert "缺少：《客户需求清单》（需填写）" in html and "去填写" in html and "去上传" in html
    template = FormTemplate.objects.get(code="customer_needs")
    assert f"/opportunities/{deal.pk}/forms/{template.pk}/" in html
    html = client.get(f"/opportunities/{deal.pk}/gates/", {"stage": stage("接触").pk}).content.decode()
    assert 'data-gated="0"' in html
    assert signed_in(actors.other_rep).get(f"/opportunities/{deal.pk}/gates/",
                                           {"stage": stage("方案提交").pk}).status_code == 404


def test_the_detail_page_shows_the_pipeline_and_the_evidence_panels(actors):
    deal = satisfy_gates(make_opportunity(actors.rep, stage="需求确认"))
    page = signed_in(actors.rep).get(f"/opportunities/{deal.pk}/").content.decode()
    assert "标准流程" in page and "测试文件.pdf" in page and "《客户需求清单》" in page
    assert 'id="attachment-form"' in page and 'id="activity-form"' in page
    assert f'hx-get="/opportunities/{deal.pk}/gates/"' in page
    finance_page = signed_in(actors.finance).get(f"/opportunities/{deal.pk}/").content.decode()
    assert "测试文件.pdf" in finance_page and 'id="attachment-form"' not in finance_page


def test_uploading_from_the_page_and_the_api(actors, api):
    deal = make_opportunity(actors.rep, stage="需求确认")
    response = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/attachments/", {
        "attachment-kind": "call_recording_summary", "attachment-file": pdf()}, follow=True)
    assert "已上传附件" in response.content.decode()
    answer = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                  {"kind": "solution_doc", "file": pdf("技术方案.pdf")}, format="multipart")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["original_name"] == "技术方案.pdf" and answer.json()["uploaded_by_name"] == "张伟"
    listed = api(actors.team_lead).get(f"/api/opportunities/{deal.pk}/attachments/").json()
    assert sorted(row["kind"] for row in listed) == ["call_recording_summary", "solution_doc"]
    download = api(actors.team_lead).get(listed[0]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("name, content, message", [
    ("病毒.exe", b"MZ....", "不支持的文件类型“.exe”"),
    ("无扩展名", b"data", "不支持的文件类型"),
    ("空文件.pdf", b"", "文件是空的"),
])
def test_a_bad_file_is_refused_with_a_chinese_message_and_nothing_is_written(actors, api, settings, name, content,
                                                                            message):
    deal = make_opportunity(actors.rep, stage="需求确认")
    before, files = snapshot(), media_files(settings)
    response = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                    {"kind": "call_recording_summary", "file": pdf(name, content)},
                                    format="multipart")
    assert response.status_code == 400 and message in response.json()["fields"]["file"][0]
    page = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/attachments/",
                                      {"attachment-file": pdf(name, content)}, follow=True).content.decode()
    assert message in page
    assert snapshot() == before and media_files(settings) == files


def test_a_file_over_the_size_setting_is_refused(actors, api, settings):
    setting_update(key="attachments.max_mb", raw_value="1", actor=actors.sales_ops)
    deal = make_opportunity(actors.rep)
    before, files = snapshot(), media_files(settings)
    response = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                    {"file": pdf("大文件.pdf", b"x" * (1024 * 1024 + 1))}, format="multipart")
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["文件过大（1.0 MB），上限为 1 MB。"]
    assert snapshot() == before and media_files(settings) == files


def test_a_file_larger_than_the_plain_request_limit_but_within_the_setting_is_accepted(actors, api, settings):
    # Multipart uploads have their own cap (SHANGJI_MAX_UPLOAD_BYTES); 附件大小上限 applies below it.
    deal = make_opportunity(actors.rep)
    content = b"%PDF-1.4 " + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    response = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                    {"kind": "solution_doc", "file": pdf("方案.pdf", content)}, format="multipart")
    assert response.status_code == 201 and response.json()["size"] == len(content)
    settings.MAX_UPLOAD_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    refused = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                   {"file": pdf("方案.pdf", content)}, format="multipart")
    assert refused.status_code == 413 and refused.json()["code"] == "too_large"
    assert Attachment.objects.count() == 1


def test_an_unknown_deliverable_kind_is_refused(actors, api):
    deal = make_opportunity(actors.rep)
    response = api(actors.rep).post(f"/api/opportunities/{deal.pk}/attachments/",
                                    {"kind": "nonsense", "file": pdf()}, format="multipart")
    assert response.status_code == 400 and "交付物类型" in response.json()["fields"]["kind"][0]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name, status", [("rep", 201), ("team_lead", 201), ("regional_manager", 201),
                                          ("director", 201), ("teammate", 404), ("other_rep", 404),
                                          ("other_manager", 404), ("presales", 403), ("finance", 403)])
def test_who_may_upload_to_a_deal(actors, api, name, status):
    deal = make_opportunity(actors.rep)
    CustomerShare.objects.create(customer=deal.customer, user=actors.presales)
    response = api(getattr(actors, name)).post(f"/api/opportunities/{deal.pk}/attachments/", {"file": pdf()},
                                               format="multipart")
    assert response.status_code == status
    assert Attachment.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize("name, status", [("rep", 200), ("team_lead", 200), ("director", 200), ("finance", 200),
                                          ("presales", 200), ("teammate", 404), ("other_rep", 404),
                                          ("other_manager", 404)])
def test_a_download_answers_404_to_anyone_who_cannot_see_the_deal(actors, name, status):
    deal = make_opportunity(actors.rep)
    CustomerShare.objects.create(customer=deal.customer, user=actors.presales)
    file = attachment_add(entity="opportunity", entity_id=deal.pk, kind="", upload=pdf(), actor=actors.rep)
    response = signed_in(getattr(actors, name)).get(f"/opportunities/attachments/{file.pk}/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
        assert "attachment" in response["Content-Disposition"]


def test_an_anonymous_visitor_is_sent_to_log_in_and_the_api_answers_401_or_403(actors, api):
    deal = make_opportunity(actors.rep)
    file = attachment_add(entity="opportunity", entity_id=deal.pk, kind="", upload=pdf(), actor=actors.rep)
    from django.test import Client

    assert Client().get(f"/opportunities/attachments/{file.pk}/").status_code == 302
    assert api(None).get(f"/api/opportunities/{deal.pk}/attachments/{file.pk}/").status_code in (401, 403)
    assert api(actors.other_rep).get(f"/api/opportunities/{deal.pk}/attachments/{file.pk}/").status_code == 404


def test_filling_the_needs_form_checks_required_answers_in_chinese(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    template = FormTemplate.objects.get(code="customer_needs")
    client = signed_in(actors.rep)
    url = f"/opportunities/{deal.pk}/forms/{template.pk}/"
    page = client.get(url).content.decode()
    assert "客户业务痛点" in page and "决策人是否已确认" in page
    refused = client.post(url, {"q1": "", "q2": "很多", "q3": "也许", "q4": "明年"}).content.decode()
    for message in ("请填写“客户业务痛点”。", "“预算范围（万元）”需要填写数字。", "“决策人是否已确认”请从选项中选择。",
                    "“期望上线日期”需要填写日期"):
        assert message in refused
    assert not FormSubmission.objects.exists()
    done = client.post(url, {"q1": "追溯难", "q2": "120", "q3": "是", "q4": "2027-06-30"})
    assert done.status_code == 302 and done["Location"].endswith("#forms")
    submission = FormSubmission.objects.get()
    assert submission.answers == [
        {"key": "q1", "label": "客户业务痛点", "value": "追溯难"},
        {"key": "q2", "label": "预算范围（万元）", "value": "120"},
        {"key": "q3", "label": "决策人是否已确认", "value": "是"},
        {"key": "q4", "label": "期望上线日期", "value": "2027-06-30"}]
    shown = client.get(f"/opportunities/{deal.pk}/forms/submissions/{submission.pk}/").content.decode()
    assert "追溯难" in shown and "2027-06-30" in shown
    assert signed_in(actors.other_rep).get(
        f"/opportunities/{deal.pk}/forms/submissions/{submission.pk}/").status_code == 404


@pytest.mark.parametrize("name, status", [("teammate", 404), ("other_rep", 404), ("finance", 403)])
def test_someone_who_may_not_change_the_deal_cannot_fill_its_forms(actors, name, status):
    deal = make_opportunity(actors.rep, stage="需求确认")
    template = FormTemplate.objects.get(code="customer_needs")
    response = signed_in(getattr(actors, name)).post(f"/opportunities/{deal.pk}/forms/{template.pk}/",
                                                     {"q1": "x", "q3": "是"})
    assert response.status_code == status and not FormSubmission.objects.exists()


def test_an_activity_with_its_file_is_recorded_from_the_deal_page(actors):
    deal = make_opportunity(actors.rep, stage="需求确认")
    page = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/activities/", {
        "activity-kind": "call", "activity-summary": "与厂长电话确认需求", "activity-file": pdf("录音纪要.pdf"),
        "activity-file_kind": "call_recording_summary"}, follow=True).content.decode()
    assert "已记录跟进" in page and "与厂长电话确认需求" in page and "录音纪要.pdf" in page
    activity = Interaction.objects.get()
    assert activity.opportunity == deal and activity.customer == deal.customer
    refused = signed_in(actors.rep).post(f"/opportunities/{deal.pk}/activities/", {
        "activity-kind": "call", "activity-summary": "再打一次", "activity-file": pdf("坏.exe")},
        follow=True).content.decode()
    assert "不支持的文件类型" in refused and Interaction.objects.count() == 1


def test_the_api_lists_pipelines_with_their_stages_and_deals_carry_their_pipeline(actors, api):
    body = api(actors.rep).get("/api/pipelines/").json()
    assert [row["name"] for row in body] == ["标准流程", "小额快速", "大客户流程"]
    assert [s["name"] for s in body[2]["stages"]] == ["线索", "接触", "需求确认", "技术对接", "方案提交", "谈判",
                                                       "成交", "输单"]
    deal = make_opportunity(actors.rep)
    row = api(actors.rep).get(f"/api/opportunities/{deal.pk}/").json()
    assert row["pipeline_name"] == "标准流程"
    rows = api(actors.rep).get(f"/api/opportunities/{deal.pk}/form-submissions/").json()
    assert rows == []
