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
    chain = models.JSONField(_("触发链"), default=list, blank=True)  # ids of the rules whose actions caused it
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


class TimerStatus(models.TextChoices):
    PENDING = "pending", _("等待中")
    FIRED = "fired", _("已触发")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("失败")


class Timer(models.Model):
    """DESIGN rule 5: a clock started by a service. The worker fires due timers; resolving cancels them.

    `key` makes starting idempotent (one pending timer per key); handlers are registered per `kind`.
    """

    kind = models.CharField(_("类型"), max_length=40)
    key = models.CharField(_("键"), max_length=120)
    entity = models.CharField(_("对象类型"), max_length=40)
    entity_id = models.BigIntegerField(_("对象ID"))
    due_at = models.DateTimeField(_("到期时间"))
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=TimerStatus.choices, default=TimerStatus.PENDING)
    created_at = models.DateTimeField(_("创建时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["key"], condition=models.Q(status="pending"),
                                               name="timer_one_pending_per_key")]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=models.Q(status="pending"), name="timer_due_idx"),
            models.Index(fields=["entity", "entity_id"], condition=models.Q(status="pending"),
                         name="timer_target_idx"),
        ]
        verbose_name = _("定时器")
        verbose_name_plural = _("定时器")

    def __str__(self) -> str:
        return f"{self.kind} {self.entity}#{self.entity_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class CustomFieldEntity(models.TextChoices):
    CUSTOMER = "customer", _("客户")
    CONTACT = "contact", _("联系人")
    OPPORTUNITY = "opportunity", _("商机")
    LEAD = "lead", _("线索")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    MONEY = "money", _("金额")
    DATE = "date", _("日期")
    CHOICE = "choice", _("单选")
    MULTI_CHOICE = "multi_choice", _("多选")
    USER = "user", _("人员")
    BOOLEAN = "boolean", _("是/否")


class CustomField(models.Model):
    """A2: a field sales ops add to an entity without a deploy. Values live in the entity's `custom` JSON.

    Fields are never deleted, only deactivated, so history and rule conditions can say what is gone.
    """

    entity = models.CharField(_("对象"), max_length=20, choices=CustomFieldEntity.choices)
    key = models.SlugField(_("字段键"), max_length=40, help_text=_("API 与导出中使用的英文标识，如 budget_source。"))
    label = models.CharField(_("字段名称"), max_length=40)
    label_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    field_type = models.CharField(_("类型"), max_length=20, choices=CustomFieldType.choices)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    required_from_stage = models.ForeignKey(
        "pipeline.Stage", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("从此阶段起必填"),
    )
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    sequence = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["entity", "sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="customfield_unique_key")]
        verbose_name = _("自定义字段")
        verbose_name_plural = _("自定义字段")

    def __str__(self) -> str:
        return f"{self.get_entity_display()}·{self.label}"


class Freeze(models.Model):
    """A1 "freeze/lock": an action on one record is blocked until released (by a rule or a person)."""

    entity = models.CharField(_("对象类型"), max_length=40)
    entity_id = models.BigIntegerField(_("对象ID"))
    action = models.CharField(_("被冻结的操作"), max_length=40)
    reason = models.CharField(_("原因"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("冻结人"),
    )
    created_at = models.DateTimeField(_("冻结时间"))
    released_at = models.DateTimeField(_("解冻时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity", "entity_id", "action"], condition=models.Q(released_at__isnull=True),
                                name="freeze_active_idx")]
        verbose_name = _("冻结")
        verbose_name_plural = _("冻结")

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id} {self.action}"


class Attachment(models.Model):
    """A file attached to a business record (`entity` + `entity_id`, like the audit trail).

    `kind` is a deliverable kind code (P2: 通话录音纪要, 技术方案…) or blank for a plain file. Written only by
    `shangji.core.attachments.attachment_add`, which checks the record is visible and changeable.
    """

    entity = models.CharField(_("对象类型"), max_length=40)
    entity_id = models.BigIntegerField(_("对象ID"))
    kind = models.CharField(_("交付物类型"), max_length=40, blank=True)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.BigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["entity", "entity_id", "kind"], name="attachment_entity_idx")]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name
