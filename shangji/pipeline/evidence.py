"""P2 evidence on a deal: filled forms and activities recorded for the deal (files go through
`shangji.core.attachments`). These are what the stage gates look for."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.attachments import attachment_save, validate_upload
from shangji.core.services import audit_record, event_emit
from shangji.core.text import clean_text
from shangji.core.visibility import can_change
from shangji.pipeline.choices import QuestionType
from shangji.pipeline.models import FormSubmission, FormTemplate, Opportunity

ANSWER_MAX_LENGTH = 2000  # one answer of a questionnaire, like a long description


def form_answers_clean(template: FormTemplate, raw: Mapping[str, Any]) -> list[dict]:
    """Answers as stored: [{key, label, value}] in question order. Raises a ValidationError keyed by question."""
    errors: dict[str, list[str]] = {}
    answers = []
    for question in template.questions:
        key, label = question["key"], question["label"]
        value = raw.get(key)
        text = clean_text(str(value)) if value is not None else ""
        if not text:
            if question.get("required"):
                errors[key] = [_("请填写“%(label)s”。") % {"label": label}]
            answers.append({"key": key, "label": label, "value": None})
            continue
        try:
            answers.append({"key": key, "label": label, "value": _answer(question, text)})
        except ValueError as error:
            errors[key] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return answers


def _answer(question: dict, text: str) -> Any:
    label, kind = question["label"], question.get("type", QuestionType.TEXT)
    if kind == QuestionType.NUMBER:
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValueError(_("“%(label)s”需要填写数字。") % {"label": label}) from None
        if not number.is_finite():
            raise ValueError(_("“%(label)s”需要填写数字。") % {"label": label})
        return str(int(number)) if number == number.to_integral_value() else str(number)
    if kind == QuestionType.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("“%(label)s”需要填写日期，如 2027-01-15。") % {"label": label}) from None
    if kind == QuestionType.CHOICE:
        if text not in question.get("choices", []):
            raise ValueError(_("“%(label)s”请从选项中选择。") % {"label": label})
        return text
    if len(text) > ANSWER_MAX_LENGTH:
        raise ValueError(_("“%(label)s”不能超过 %(max)s 个字。") % {"label": label, "max": ANSWER_MAX_LENGTH})
    return text


@transaction.atomic
def form_submission_create(*, template: FormTemplate, opportunity: Opportunity, answers: Mapping[str, Any],
                           actor) -> FormSubmission:
    """Fill a questionnaire for a deal (e.g. 《客户需求清单》 for the 需求确认 gate)."""
    if not can_change(actor, opportunity.owner_id):
        raise PermissionDenied(_("您无权修改该商机。"))
    if not template.is_active:
        raise ValidationError({"template": [_("表单模板已停用。")]})
    cleaned = form_answers_clean(template, answers)
    submission = FormSubmission.objects.create(template=template, opportunity=opportunity, answers=cleaned,
                                               submitted_by=actor, submitted_at=timezone.now())
    audit_record(entity="opportunity", entity_id=opportunity.pk, action="form_submitted", actor=actor,
                 note=template.title)
    event_emit(name="opportunity.form_submitted", entity="opportunity", entity_id=opportunity.pk, actor=actor,
               payload={"submission": submission.pk, "template": template.code})
    return submission


@transaction.atomic
def opportunity_activity_record(*, opportunity: Opportunity, actor, kind: str, summary: str,
                                occurred_at: datetime | None = None, upload: UploadedFile | None = None,
                                upload_kind: str = ""):
    """An activity (call, visit…) recorded for the deal, optionally with a file (e.g. the call-recording
    summary): what `activity` gates look for. Nothing is written when the file is refused."""
    from shangji.customers.services import interaction_record

    if not can_change(actor, opportunity.owner_id):
        raise PermissionDenied(_("您无权修改该商机。"))
    if upload is not None:
        validate_upload(upload)
    interaction = interaction_record(customer=opportunity.customer, actor=actor, kind=kind, summary=summary,
                                     occurred_at=occurred_at, opportunity=opportunity)
    if upload is not None:
        attachment_save(entity="interaction", entity_id=interaction.pk, kind=upload_kind, upload=upload, actor=actor)
    return interaction
