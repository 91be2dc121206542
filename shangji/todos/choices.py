from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("未完成")
    DONE = "done", _("已完成")


class TaskEntity(models.TextChoices):
    """Records a to-do can be linked to ("" = none)."""

    OPPORTUNITY = "opportunity", _("商机")
    CUSTOMER = "customer", _("客户")
    CONTACT = "contact", _("联系人")


SOURCE_MANUAL = "manual"  # created by a person; automation writes "rule:<id>"
