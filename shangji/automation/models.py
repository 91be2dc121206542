"""A1: rules as data (trigger → conditions → actions) and the log of every run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.automation.choices import DelayUnit, Entity, RunOutcome, StartEvent, Trigger


class Rule(models.Model):
    """A no-code rule. Conditions and actions are JSON data checked by `automation.rules`; nothing is executed
    as code. Shipped defaults carry a `key` so migrations and docs can find them; all of them are editable."""

    key = models.SlugField(_("标识"), max_length=60, unique=True, null=True, blank=True)
    name = models.CharField(_("规则名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    entity = models.CharField(_("对象"), max_length=20, choices=Entity.choices)
    trigger = models.CharField(_("触发"), max_length=20, choices=Trigger.choices)
    start_event = models.CharField(_("计时起点"), max_length=30, choices=StartEvent.choices, blank=True)
    start_conditions = models.JSONField(_("计时条件"), default=dict, blank=True)
    delay_value = models.PositiveIntegerField(_("等待时长"), null=True, blank=True)
    delay_setting = models.CharField(_("等待时长取自设置"), max_length=80, blank=True)
    delay_unit = models.CharField(_("时长单位"), max_length=10, choices=DelayUnit.choices, default=DelayUnit.HOURS)
    conditions = models.JSONField(_("条件"), default=dict, blank=True)
    actions = models.JSONField(_("动作"), default=list)
    is_enabled = models.BooleanField(_("启用"), default=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=500, blank=True)
    sequence = models.PositiveIntegerField(_("顺序"), default=100)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("作者"))
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["sequence", "id"]
        indexes = [models.Index(fields=["entity", "sequence"], condition=Q(is_enabled=True),
                                name="rule_enabled_idx")]
        verbose_name = _("自动化规则")
        verbose_name_plural = _("自动化规则")

    def __str__(self) -> str:
        return self.name

    @property
    def source_tag(self) -> str:
        """How records this rule creates say where they came from (e.g. a to-do's source)."""
        return f"rule:{self.pk}"


class RuleRun(models.Model):
    """One evaluation of one rule for one record: which conditions matched, what each action did, errors."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs", verbose_name=_("规则"))
    event = models.ForeignKey("core.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("事件"))
    timer = models.ForeignKey("core.Timer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("定时器"))
    entity = models.CharField(_("对象类型"), max_length=20)
    entity_id = models.BigIntegerField(_("对象ID"))
    record_label = models.CharField(_("记录"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=RunOutcome.choices)
    conditions_detail = models.JSONField(_("条件明细"), default=list)
    actions_detail = models.JSONField(_("动作明细"), default=list)
    error = models.TextField(_("错误"), blank=True)
    chain = models.JSONField(_("触发链"), default=list)
    ran_at = models.DateTimeField(_("运行时间"), db_index=True)
    duration_ms = models.FloatField(_("耗时(毫秒)"), default=0)

    class Meta:
        ordering = ["-ran_at", "-id"]
        constraints = [
            # Handlers are idempotent: an event (or a timer) delivered twice runs each rule once.
            models.UniqueConstraint(fields=["rule", "event"], condition=Q(event__isnull=False),
                                    name="rulerun_once_per_event"),
            models.UniqueConstraint(fields=["rule", "timer"], condition=Q(timer__isnull=False),
                                    name="rulerun_once_per_timer"),
        ]
        indexes = [models.Index(fields=["rule", "-ran_at"], name="rulerun_rule_idx"),
                   models.Index(fields=["entity", "entity_id"], name="rulerun_record_idx")]
        verbose_name = _("规则运行记录")
        verbose_name_plural = _("规则运行记录")

    def __str__(self) -> str:
        return f"{self.rule} → {self.entity}#{self.entity_id}: {self.outcome}"
