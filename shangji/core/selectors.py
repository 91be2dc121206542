"""Reads of infrastructure rows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from shangji.core.models import AuditEntry, Freeze

ACTION_LABELS = {
    "created": _("创建"), "updated": _("修改"), "stage_changed": _("阶段变更"), "merged": _("合并客户"),
    "merged_into": _("并入其他客户"), "setting_changed": _("修改设置"),
    "frozen": _("冻结"), "unfrozen": _("解冻"),
    "attachment_added": _("上传附件"), "form_submitted": _("提交表单"),
}
FIELD_LABELS = {
    "owner_id": _("负责人"), "amount": _("金额"), "stage": _("阶段"), "name": _("名称"), "grade": _("等级"),
    "credit_code": _("统一社会信用代码"), "industry_id": _("行业"), "city_id": _("地市"), "phone": _("电话"),
    "email": _("邮箱"), "expected_close_date": _("预计成交日期"), "merged_from": _("被合并客户ID"),
    "merged_into": _("并入客户ID"), "pipeline": _("销售流程"),
}


def audit_trail(*, entity: str, entity_id: int, limit: int = 20) -> list[AuditEntry]:
    """O3 history of one record, with readable labels (owner ids become names).

    Callers pass a record they obtained through `visible_to(user)`.
    """
    entries = list(AuditEntry.objects.filter(entity=entity, entity_id=entity_id).select_related("actor")[:limit])
    owner_ids = {int(value) for entry in entries if entry.field == "owner_id"
                 for value in (entry.old_value, entry.new_value) if value.isdigit()}
    names = {user.pk: user.display_name for user in get_user_model().objects.filter(pk__in=owner_ids)}
    custom_labels = {}
    if any(entry.field.startswith("custom.") for entry in entries):
        from shangji.core.customfields import custom_field_labels

        custom_labels = custom_field_labels(entity)  # A2: "custom.<key>" reads as the field's label
    for entry in entries:
        entry.action_label = ACTION_LABELS.get(entry.action, entry.action)
        entry.field_label = FIELD_LABELS.get(entry.field) or custom_labels.get(entry.field, entry.field)
        entry.old_display, entry.new_display = entry.old_value, entry.new_value
        if entry.field == "owner_id":
            entry.old_display = names.get(int(entry.old_value), entry.old_value) if entry.old_value.isdigit() else ""
            entry.new_display = names.get(int(entry.new_value), entry.new_value) if entry.new_value.isdigit() else ""
    return entries


def active_freeze(*, entity: str, entity_id: int, action: str) -> Freeze | None:
    """The freeze that blocks `action` on this record, if any (services refuse the action and say why)."""
    return Freeze.objects.filter(entity=entity, entity_id=entity_id, action=action, released_at__isnull=True).first()
