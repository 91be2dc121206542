"""Files attached to business records (P2 deliverables): which records take files, the upload limits,
and who may add or read them.

Apps register the entities that take attachments (`attachable_register`) with the queryset of records a
user may see, whose owner decides who may change them, and the deliverable kinds they accept — so core
stays free of business models. Files are stored under MEDIA_ROOT/attachments/%Y/%m/ with a random name;
the original name is kept for the download.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.models import Attachment
from shangji.core.registry import setting
from shangji.core.services import audit_record, event_emit
from shangji.core.visibility import can_change


@dataclass(frozen=True)
class Attachable:
    visible: Callable[[object], QuerySet]  # user → the records of this entity the user may see
    owner_id: Callable[[object], int | None]  # record → the owner whose scope may change it
    kinds: Callable[[], dict[str, str]]  # accepted deliverable kind codes → names ("" is always accepted)


ATTACHABLE: dict[str, Attachable] = {}


def attachable_register(entity: str, *, visible: Callable[[object], QuerySet],
                        owner_id: Callable[[object], int | None],
                        kinds: Callable[[], dict[str, str]] = dict) -> None:
    ATTACHABLE[entity] = Attachable(visible=visible, owner_id=owner_id, kinds=kinds)


def allowed_extensions() -> list[str]:
    raw = str(setting("attachments.allowed_extensions"))
    return [part.strip().lstrip(".").lower() for part in raw.replace("，", ",").split(",") if part.strip()]


def _spec(entity: str) -> Attachable:
    spec = ATTACHABLE.get(entity)
    if spec is None:
        raise ValidationError({"entity": [_("该类型的记录不能上传附件。")]})
    return spec


def _visible_record(spec: Attachable, *, user, entity_id):
    record = spec.visible(user).filter(pk=entity_id).first()
    if record is None:
        raise Http404(_("记录不存在或您无权查看。"))
    return record


def validate_upload(upload: UploadedFile | None) -> str:
    """Check the upload limits (settings); returns the lower-case extension. Raises a Chinese ValidationError."""
    if upload is None:
        raise ValidationError({"file": [_("请选择要上传的文件。")]})
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lstrip(".").lower()
    allowed = allowed_extensions()
    if not extension or extension not in allowed:
        raise ValidationError({"file": [_("不支持的文件类型“%(ext)s”。允许的类型：%(allowed)s。") % {
            "ext": f".{extension}" if extension else name, "allowed": "、".join(allowed)}]})
    if not upload.size:
        raise ValidationError({"file": [_("文件是空的，请重新选择。")]})
    max_mb = setting("attachments.max_mb")
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError({"file": [_("文件过大（%(size).1f MB），上限为 %(max)s MB。") % {
            "size": upload.size / 1024 / 1024, "max": max_mb}]})
    return extension


@transaction.atomic
def attachment_add(*, entity: str, entity_id: int, kind: str, upload: UploadedFile | None, actor) -> Attachment:
    """Attach a file to a record the actor may see (else 404) and change (else 403)."""
    spec = _spec(entity)
    record = _visible_record(spec, user=actor, entity_id=entity_id)
    if not can_change(actor, spec.owner_id(record)):
        raise PermissionDenied(_("您无权修改该记录。"))
    return attachment_save(entity=entity, entity_id=record.pk, kind=kind, upload=upload, actor=actor)


@transaction.atomic
def attachment_save(*, entity: str, entity_id: int, kind: str, upload: UploadedFile | None, actor) -> Attachment:
    """Validate and store the file. Only for services that already checked the actor may change the record
    (e.g. one that writes an activity and its file together); everything else calls `attachment_add`."""
    spec = _spec(entity)
    kind = (kind or "").strip()
    if kind and kind not in spec.kinds():
        raise ValidationError({"kind": [_("交付物类型不存在或已停用。")]})
    extension = validate_upload(upload)
    original_name = PurePath(upload.name).name[-255:]
    attachment = Attachment(entity=entity, entity_id=entity_id, kind=kind, original_name=original_name,
                            size=upload.size, content_type=(upload.content_type or "")[:100], uploaded_by=actor,
                            uploaded_at=timezone.now())
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    try:
        attachment.save()
        audit_record(entity=entity, entity_id=entity_id, action="attachment_added", actor=actor,
                     note=f"{spec.kinds().get(kind, '')} {original_name}".strip()[:500])
        event_emit(name="attachment.added", entity=entity, entity_id=entity_id, actor=actor,
                   payload={"attachment": attachment.pk, "kind": kind, "name": original_name})
    except Exception:
        attachment.file.delete(save=False)  # nothing half-written: no orphan file for a row that failed
        raise
    return attachment


def attachments_for(*, entity: str, entity_id: int, kind: str | None = None) -> QuerySet[Attachment]:
    """Attachments of one record; the caller already holds the record from a visibility-checked selector."""
    attachments = Attachment.objects.filter(entity=entity, entity_id=entity_id).select_related("uploaded_by")
    return attachments if kind is None else attachments.filter(kind=kind)


def attachment_get(*, user, pk: int) -> Attachment:
    """An attachment whose record the user may see; 404 otherwise (also for unknown entities)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    spec = ATTACHABLE.get(attachment.entity) if attachment else None
    if spec is None:
        raise Http404(_("附件不存在或您无权查看。"))
    if not spec.visible(user).filter(pk=attachment.entity_id).exists():
        raise Http404(_("附件不存在或您无权查看。"))
    return attachment
