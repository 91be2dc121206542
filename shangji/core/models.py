"""Infrastructure records shared by every app: audit trail, outbox events, setting overrides."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """O3: one changed field of one business record — who, what, when, from, to."""

    entity = models.CharField(_("对象类型"), max_length=40)
    entity_id = models.BigIntegerField(_("对象ID"))
    action = models.CharField(_("动作"), max_length=40)
    field = models.CharField(_("字段"), max_length=60, blank=True)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="audit_entries",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "entity_id", "at"], name="audit_entity_idx")]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id} {self.action} {self.field}"


class Event(models.Model):
    """Outbox row written in the same transaction as the change it describes (DESIGN rule 4)."""

    name = models.CharField(_("事件"), max_length=60, db_index=True)
    entity = models.CharField(_("对象类型"), max_length=40)
    entity_id = models.BigIntegerField(_("对象ID"))
    payload = models.JSONField(_("内容"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    created_at = models.DateTimeField(_("发生时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("分发时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["dispatched_at", "id"], name="event_pending_idx")]
        verbose_name = _("事件")
        verbose_name_plural = _("事件")

    def __str__(self) -> str:
        return f"{self.name} {self.entity}#{self.entity_id}"


class SettingValue(models.Model):
    """An admin's override of a registered setting; absent row = the registered default."""

    key = models.CharField(_("设置项"), max_length=80, unique=True)
    value = models.JSONField(_("值"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("设置值")
        verbose_name_plural = _("设置值")

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}"
