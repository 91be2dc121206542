"""L1–L8: campaigns (with their QR code and intake key), leads, their assignment and contact history,
predictive scoring models, and nurturing sequences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.visibility import Scope, VisibleQuerySet
from shangji.customers.choices import Scale
from shangji.leads.choices import (
    ArchiveReason,
    AssignmentKind,
    Budget,
    CampaignStatus,
    Channel,
    LeadStatus,
    NurtureChannel,
    NurtureStatus,
    Source,
    TouchKind,
)


class Campaign(models.Model):
    """A campaign or channel leads come from; `code` is its short link, `intake_key` its API key (L1)."""

    name = models.CharField(_("活动名称"), max_length=100)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices, default=Channel.WECHAT_QR)
    status = models.CharField(_("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    code = models.CharField(_("短链代码"), max_length=16, unique=True, editable=False)
    intake_key = models.CharField(_("接入密钥"), max_length=64, unique=True, editable=False)
    industry = models.ForeignKey("customers.Industry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("目标行业"))
    description = models.CharField(_("表单说明"), max_length=300, blank=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    cost = models.DecimalField(_("活动费用"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("市场活动")
        verbose_name_plural = _("市场活动")

    def __str__(self) -> str:
        return self.name


class LeadQuerySet(VisibleQuerySet):
    pass


class Lead(models.Model):
    """A person who showed interest, until converted (L1–L8). Score, owner and the reasons for both are kept
    on the row so lists sort and show them without recomputing."""

    name = models.CharField(_("姓名"), max_length=40)
    company = models.CharField(_("公司"), max_length=200, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True, db_index=True)
    phone_valid = models.BooleanField(_("手机号有效"), default=True)
    email = models.CharField(_("邮箱"), max_length=120, blank=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    need = models.TextField(_("需求描述"), blank=True)
    budget = models.CharField(_("预算"), max_length=10, choices=Budget.choices, blank=True)
    industry = models.ForeignKey("customers.Industry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="leads", verbose_name=_("行业"))
    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, blank=True)
    region = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("大区"))
    city = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("地市"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    consent = models.BooleanField(_("同意联系"), default=False)
    # Where it came from (L1)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="leads",
                                 verbose_name=_("市场活动"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices, blank=True)
    utm = models.JSONField(_("UTM 参数"), default=dict, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, blank=True)
    # Behaviour (L3)
    page_seconds = models.PositiveIntegerField(_("页面停留秒数"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)
    # Tags and score (L2, L3)
    tags = models.JSONField(_("标签"), default=list, blank=True)  # [{"kind": "industry", "value": "制造业"}, …]
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True, db_index=True)
    score_explanation = models.JSONField(_("评分说明"), default=list, blank=True)  # [{"label", "points"}, …]
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    # Assignment and progress (L4, L5, L7)
    status = models.CharField(_("状态"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="leads", verbose_name=_("负责人"))
    team = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("团队"))
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    assignment_reason = models.CharField(_("分配原因"), max_length=500, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    silent_since = models.DateTimeField(_("进入静默池时间"), null=True, blank=True)
    archive_reason = models.CharField(_("归档原因"), max_length=20, choices=ArchiveReason.choices, blank=True)
    # Conversion (L8)
    converted_at = models.DateTimeField(_("转化时间"), null=True, blank=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="leads", verbose_name=_("客户"))
    contact = models.ForeignKey("customers.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("联系人"))
    opportunity = models.ForeignKey("pipeline.Opportunity", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="leads", verbose_name=_("商机"))
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)  # A2: values keyed by CustomField.key
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("获取时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="lead_unique_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "-score"], name="lead_queue_idx"),
            models.Index(fields=["team", "status"], name="lead_team_idx"),
        ]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")

    def __str__(self) -> str:
        return f"{self.name}（{self.company}）" if self.company else self.name

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        """Owner and managers above; the team's unassigned queue for its members; marketing's own campaigns."""
        units = lead_queue_units(scope)
        return (Q(owner_id__in=scope.owner_ids) | Q(owner__isnull=True, team_id__in=units)
                | Q(campaign__created_by_id=scope.user_id))

    def top_reasons(self, count: int = 4) -> str:
        """The first lines of the score explanation in one line: "+18 行业匹配: 制造业；−6 无公司名"."""
        return "；".join(f"{'+' if item['points'] > 0 else ''}{item['points']} {item['label']}"
                        for item in self.score_explanation[:count])

    @property
    def is_open(self) -> bool:
        return self.status in (LeadStatus.NEW, LeadStatus.QUEUED, LeadStatus.ASSIGNED, LeadStatus.CONTACTED)


def lead_queue_units(scope: Scope) -> list[int]:
    """Org units whose unassigned leads the user sees: their own unit and, for managers, everything below."""
    def compute() -> list[int]:
        from shangji.org.models import OrgUnit, User

        user = User.objects.filter(pk=scope.user_id).select_related("org_unit").first()
        if user is None or user.org_unit is None:
            return []
        if user.is_manager:
            return list(OrgUnit.objects.filter(path__startswith=user.org_unit.path).values_list("pk", flat=True))
        return [user.org_unit_id]

    return scope.remember("lead_queue_units", compute)


class LeadAssignment(models.Model):
    """History of who got a lead, when and why (DESIGN rule 4)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("线索"))
    kind = models.CharField(_("方式"), max_length=10, choices=AssignmentKind.choices)
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("原负责人"))
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("新负责人"))
    team = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("团队"))
    reason = models.CharField(_("原因"), max_length=500)
    steps = models.JSONField(_("分配过程"), default=list, blank=True)  # [{"step", "label", "kept"}, …]
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("线索分配记录")
        verbose_name_plural = _("线索分配记录")

    def __str__(self) -> str:
        return f"{self.lead} → {self.to_owner or self.team}"


class LeadTouch(models.Model):
    """A contact with the lead: the first one stops the first-response clock (L5)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touches", verbose_name=_("线索"))
    kind = models.CharField(_("方式"), max_length=10, choices=TouchKind.choices)
    note = models.TextField(_("内容"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("联系人"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("线索跟进")
        verbose_name_plural = _("线索跟进")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class ScoringModel(models.Model):
    """A predictive model trained on the company's closed leads (L3); the newest active one scores."""

    trained_at = models.DateTimeField(_("训练时间"))
    rows = models.PositiveIntegerField(_("样本数"))
    positives = models.PositiveIntegerField(_("转化样本数"))
    metrics = models.JSONField(_("验证指标"), default=dict)
    model = models.JSONField(_("模型"), default=dict)
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("线索预测模型")
        verbose_name_plural = _("线索预测模型")

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M}（{self.rows}）"


class NurtureSequence(models.Model):
    """L6: content sent to low-score leads step by step until they engage or their score rises."""

    name = models.CharField(_("名称"), max_length=100)
    channel = models.CharField(_("发送方式"), max_length=10, choices=NurtureChannel.choices,
                               default=NurtureChannel.EMAIL)
    webhook = models.ForeignKey("notify.WebhookSubscription", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("Webhook 订阅"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("培育序列")
        verbose_name_plural = _("培育序列")

    def __str__(self) -> str:
        return self.name


class NurtureStep(models.Model):
    sequence = models.ForeignKey(NurtureSequence, on_delete=models.CASCADE, related_name="steps",
                                 verbose_name=_("培育序列"))
    position = models.PositiveIntegerField(_("顺序"))
    delay_days = models.PositiveIntegerField(_("间隔天数"), help_text=_("上一步（或入组）之后多少天发送"))
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    content_url = models.URLField(_("内容链接"), blank=True, help_text=_("白皮书、案例等；点击即视为互动"))

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [models.UniqueConstraint(fields=["sequence", "position"], name="nurturestep_unique_position")]
        verbose_name = _("培育步骤")
        verbose_name_plural = _("培育步骤")

    def __str__(self) -> str:
        return self.subject


class NurtureEnrollment(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="nurture", verbose_name=_("线索"))
    sequence = models.ForeignKey(NurtureSequence, on_delete=models.PROTECT, related_name="enrollments",
                                 verbose_name=_("培育序列"))
    status = models.CharField(_("状态"), max_length=10, choices=NurtureStatus.choices, default=NurtureStatus.ACTIVE)
    steps_sent = models.PositiveIntegerField(_("已发送步骤"), default=0)
    token = models.CharField(_("点击令牌"), max_length=32, unique=True, editable=False)
    exit_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("入组时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["lead"], condition=Q(status="active"),
                                               name="nurture_one_active_per_lead")]
        verbose_name = _("培育记录")
        verbose_name_plural = _("培育记录")

    def __str__(self) -> str:
        return f"{self.lead} · {self.sequence}"
