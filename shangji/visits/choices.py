"""Fixed vocabularies of field visits (V1–V7). Configurable ones (signal dictionary, objection types, talk
tracks, rewards) are rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    CHECKED_IN = "checked_in", _("已签到")
    RECORDED = "recorded", _("已记录")
    CANCELLED = "cancelled", _("已取消")


class CheckInFlag(models.TextChoices):
    OK = "ok", _("位置正常")
    FAR = "far", _("签到位置离客户过远")
    NO_CUSTOMER_LOCATION = "no_customer_location", _("客户未设置位置")
    NO_POSITION = "no_position", _("未获取到定位")


class PhotoKind(models.TextChoices):
    SHELF = "shelf", _("货架/排面照片")
    COMPETITOR = "competitor", _("竞品陈列照片")
    CHAT = "chat", _("聊天截图")
    OTHER = "other", _("其他照片")


class Risk(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")
    POSITIVE = "positive", _("机会")


class OptionalField(models.TextChoices):
    """The optional parts of a visit record that earn points when completed (V1)."""

    SHELF_PHOTO = "shelf_photo", _("货架照片")
    COMPETITOR_PHOTO = "competitor_photo", _("竞品陈列照片")
    CHAT_SCREENSHOT = "chat_screenshot", _("聊天截图")
    COMPETITOR_PRICE = "competitor_price", _("竞品价格")
    STOCK_LEVEL = "stock_level", _("库存数量")
    NOTES = "notes", _("拜访备注")
    RECORDING = "recording", _("拜访录音")
