from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    A = "A", _("A 级")
    B = "B", _("B 级")
    C = "C", _("C 级")
    D = "D", _("D 级")


class Scale(models.TextChoices):
    MICRO = "micro", _("微型（<20人）")
    SMALL = "small", _("小型（20–99人）")
    MEDIUM = "medium", _("中型（100–999人）")
    LARGE = "large", _("大型（1000人以上）")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("决策者")
    INFLUENCER = "influencer", _("影响者")
    USER = "user", _("使用者")
    GATEKEEPER = "gatekeeper", _("把关者")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("支持")
    NEUTRAL = "neutral", _("中立")
    OPPONENT = "opponent", _("反对")
    UNKNOWN = "unknown", _("未知")


class InteractionKind(models.TextChoices):
    CALL = "call", _("电话")
    VISIT = "visit", _("拜访")
    WECHAT = "wechat", _("微信")
    EMAIL = "email", _("邮件")
    MEETING = "meeting", _("会议")
    FEEDBACK = "feedback", _("客户反馈")
    NOTE = "note", _("备注")
