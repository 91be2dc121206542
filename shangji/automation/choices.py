from django.db import models
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    OPPORTUNITY = "opportunity", _("商机")
    CUSTOMER = "customer", _("客户")
    CONTACT = "contact", _("联系人")
    TASK = "task", _("待办")
    LEAD = "lead", _("线索")
    VISIT = "visit", _("拜访")


class Trigger(models.TextChoices):
    CREATED = "created", _("记录创建时")
    UPDATED = "updated", _("记录修改时")
    STAGE_CHANGED = "stage_changed", _("阶段变更时")
    CONDITION_TRUE = "condition_true", _("条件变为成立时")
    TIME_ELAPSED = "time_elapsed", _("事件发生一段时间后")


class StartEvent(models.TextChoices):
    """What starts the clock of a time-elapsed rule."""

    CREATED = "created", _("记录创建")
    UPDATED = "updated", _("记录修改")
    STAGE_CHANGED = "stage_changed", _("阶段变更")
    CREATED_OR_STAGE_CHANGED = "created_or_stage_changed", _("创建或阶段变更")
    ASSIGNED = "assigned", _("分配负责人")


class DelayUnit(models.TextChoices):
    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    DAYS = "days", _("天")


class RunOutcome(models.TextChoices):
    FIRED = "fired", _("已执行")
    NOT_MATCHED = "not_matched", _("条件不满足")
    TIMER_STARTED = "timer_started", _("开始计时")
    LOOP_STOPPED = "loop_stopped", _("循环已阻止")
    ERROR = "error", _("出错")
