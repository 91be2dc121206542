from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WECHAT_QR = "wechat_qr", _("微信扫码")
    WEBSITE = "website", _("官网")
    EXHIBITION = "exhibition", _("展会")
    ADS = "ads", _("广告投放")
    REFERRAL = "referral", _("转介绍")
    PHONE = "phone", _("电话咨询")
    OTHER = "other", _("其他")


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class Source(models.TextChoices):
    FORM = "form", _("扫码表单")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
    MANUAL = "manual", _("手工录入")


class Budget(models.TextChoices):
    UNKNOWN = "", _("未填写")
    UNDER_10W = "lt10", _("10万以下")
    FROM_10W = "10-50", _("10–50万")
    FROM_50W = "50-100", _("50–100万")
    OVER_100W = "gt100", _("100万以上")


class LeadStatus(models.TextChoices):
    NEW = "new", _("处理中")  # received by the public form or API; the worker scores and assigns it within a second
    QUEUED = "queued", _("待分配")
    ASSIGNED = "assigned", _("已分配")
    CONTACTED = "contacted", _("已联系")
    CONVERTED = "converted", _("已转化")
    ARCHIVED = "archived", _("已归档")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.QUEUED, LeadStatus.ASSIGNED, LeadStatus.CONTACTED)
CLOSED_STATUSES = (LeadStatus.CONVERTED, LeadStatus.ARCHIVED)


class AssignmentKind(models.TextChoices):
    AUTO = "auto", _("自动分配")
    CLAIM = "claim", _("认领")
    MANUAL = "manual", _("手工分配")
    SLA = "sla", _("超时改派")
    RECYCLE = "recycle", _("静默回收")
    QUEUE = "queue", _("进入团队待分配")


class TouchKind(models.TextChoices):
    CALL = "call", _("电话")
    WECHAT = "wechat", _("微信")
    EMAIL = "email", _("邮件")
    VISIT = "visit", _("拜访")
    NOTE = "note", _("备注")


class ArchiveReason(models.TextChoices):
    INVALID = "invalid", _("无效信息")
    NO_NEED = "no_need", _("暂无需求")
    COMPETITOR = "competitor", _("已选竞品")
    UNREACHABLE = "unreachable", _("联系不上")
    DUPLICATE = "duplicate", _("重复线索")


class NurtureStatus(models.TextChoices):
    ACTIVE = "active", _("培育中")
    FINISHED = "finished", _("已完成")
    EXITED = "exited", _("已退出")


class NurtureChannel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WEBHOOK = "webhook", _("Webhook")
