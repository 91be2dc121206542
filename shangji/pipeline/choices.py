"""Fixed vocabularies of the pipeline (configurable ones — stages, gates, kinds, templates — are rows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GateKind(models.TextChoices):
    FIELD = "field", _("商机字段已填写")
    CUSTOM_FIELD = "custom_field", _("自定义字段已填写")
    ATTACHMENT = "attachment", _("已上传交付物")
    FORM = "form", _("已提交表单")
    ACTIVITY = "activity", _("已记录跟进")


class GateField(models.TextChoices):
    """Built-in opportunity fields a `field` gate may require (non-empty)."""

    EXPECTED_CLOSE_DATE = "expected_close_date", _("预计成交日期")
    AMOUNT = "amount", _("金额")
    DESCRIPTION = "description", _("说明")
    LINES = "lines", _("产品明细")


class QuestionType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    CHOICE = "choice", _("单选")
    DATE = "date", _("日期")
