"""P1/P4: stages as data, opportunities with product lines, and the stage history.
P2/P3: pipelines per customer segment, stage gates and the deliverables that satisfy them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.visibility import Scope, VisibleQuerySet
from shangji.pipeline.choices import GateField, GateKind


class Stage(models.Model):
    """A pipeline stage (DESIGN rule 7: data, not code). Won/lost stages close the deal."""

    name = models.CharField(_("阶段名称"), max_length=30, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=40, blank=True)
    sequence = models.PositiveIntegerField(_("顺序"))
    probability = models.PositiveSmallIntegerField(_("默认赢率%"), default=0)
    is_won = models.BooleanField(_("赢单阶段"), default=False)
    is_lost = models.BooleanField(_("输单阶段"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [models.CheckConstraint(condition=~(Q(is_won=True) & Q(is_lost=True)),
                                              name="stage_not_won_and_lost")]
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class Pipeline(models.Model):
    """P3: a sales process for a segment — its own ordered stage list (大客户流程 adds 技术对接).

    A new deal takes the first active pipeline by `priority` whose segment matches its customer's scale
    and its amount; the default pipeline takes the rest.
    """

    name = models.CharField(_("流程名称"), max_length=40, unique=True)
    customer_scales = models.JSONField(_("适用客户规模"), default=list, blank=True,
                                       help_text=_("为空表示任意规模。"))  # customers.choices.Scale values
    max_amount = models.DecimalField(_("金额上限"), max_digits=14, decimal_places=2, null=True, blank=True,
                                     help_text=_("为空表示不限金额。"))
    priority = models.PositiveIntegerField(_("优先级"), default=100, help_text=_("数字越小越先匹配。"))
    is_default = models.BooleanField(_("默认流程"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    stages = models.ManyToManyField(Stage, through="PipelineStage", related_name="pipelines", verbose_name=_("阶段"))

    class Meta:
        ordering = ["-is_default", "priority", "id"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="pipeline_one_default")]
        verbose_name = _("销售流程")
        verbose_name_plural = _("销售流程")

    def __str__(self) -> str:
        return self.name

    def matches(self, *, scale: str, amount) -> bool:
        """Whether a deal of this customer scale and amount belongs to this pipeline's segment."""
        if self.customer_scales and scale not in self.customer_scales:
            return False
        return self.max_amount is None or (amount is not None and amount <= self.max_amount)


class PipelineStage(models.Model):
    """One stage of a pipeline, at its place in that pipeline's order."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stage_rows",
                                 verbose_name=_("销售流程"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="pipeline_rows", verbose_name=_("阶段"))
    sequence = models.PositiveIntegerField(_("顺序"))

    class Meta:
        ordering = ["pipeline", "sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "stage"], name="pipelinestage_unique")]
        verbose_name = _("流程阶段")
        verbose_name_plural = _("流程阶段")

    def __str__(self) -> str:
        return f"{self.pipeline} · {self.stage}"


class LostReason(models.Model):
    """Why a deal was lost (P1): configurable vocabulary, required when moving to a lost stage."""

    name = models.CharField(_("输单原因"), max_length=60, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("输单原因")
        verbose_name_plural = _("输单原因")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A sellable SKU of the catalogue; opportunity lines price it."""

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("产品名称"), max_length=100)
    product_line = models.CharField(_("产品线"), max_length=40, blank=True)
    list_price = models.DecimalField(_("标准价"), max_digits=14, decimal_places=2)
    is_active = models.BooleanField(_("在售"), default=True)

    class Meta:
        ordering = ["product_line", "sku"]
        verbose_name = _("产品")
        verbose_name_plural = _("产品")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class OpportunityQuerySet(VisibleQuerySet):
    pass


class Opportunity(models.Model):
    """A deal with one customer, moving through stages. `version` guards against lost updates."""

    name = models.CharField(_("商机名称"), max_length=120)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("客户"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_opportunities",
                              verbose_name=_("负责人"))
    region = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("大区"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("阶段"))
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("销售流程"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    expected_close_date = models.DateField(_("预计成交日期"), null=True, blank=True)
    lost_reason = models.ForeignKey(LostReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("输单原因"))
    lost_note = models.CharField(_("输单说明"), max_length=500, blank=True)
    description = models.TextField(_("说明"), blank=True)
    stage_entered_at = models.DateTimeField(_("进入当前阶段时间"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    collaborators = models.ManyToManyField(settings.AUTH_USER_MODEL, through="OpportunityShare", blank=True,
                                           related_name="shared_opportunities", verbose_name=_("协作人"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)  # A2: values keyed by CustomField.key
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative")]
        indexes = [
            # List and kanban cards: newest first within a stage, optionally within a region.
            models.Index(fields=["stage", "-updated_at", "-id"], name="opp_stage_updated_idx"),
            models.Index(fields=["stage", "region", "-updated_at"], name="opp_stage_region_idx"),
            models.Index(fields=["-updated_at", "-id"], name="opp_updated_idx"),
            # Stalled open deals (P4/P6) and closed-by-period reports.
            models.Index(fields=["stage_entered_at"], condition=Q(closed_at__isnull=True), name="opp_open_age_idx"),
            models.Index(fields=["closed_at"], name="opp_closed_idx"),
            # Kanban column sums read only these indexes (covering every column the visibility rule
            # and the sum touch), for the whole company and for one region.
            models.Index(fields=["stage", "owner", "customer", "amount"], name="opp_kanban_sum_idx"),
            models.Index(fields=["region", "stage", "owner", "customer", "amount"], name="opp_region_kanban_sum_idx"),
        ]
        verbose_name = _("商机")
        verbose_name_plural = _("商机")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Q(owner_id__in=scope.owner_ids) | cls.shared_q(scope)

    @classmethod
    def shared_q(cls, scope: Scope) -> Q:
        """Deals seen through a share: collaborators on the deal and the account team of its customer (O2).

        Literal id lists fetched once per request (see `shared_customer_ids`): no share, no SQL branch.
        """
        from shangji.customers.models import shared_customer_ids

        on_deal = scope.remember("shared_opportunity_ids", lambda: list(
            OpportunityShare.objects.filter(user_id=scope.user_id).values_list("opportunity_id", flat=True)))
        return Q(pk__in=on_deal) | Q(customer_id__in=shared_customer_ids(scope))


class OpportunityShare(models.Model):
    """An explicit share of one deal with a collaborator (O2)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="shares",
                                    verbose_name=_("商机"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opportunity_shares",
                             verbose_name=_("协作人"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="opportunityshare_unique")]
        verbose_name = _("商机协作人")
        verbose_name_plural = _("商机协作人")

    def __str__(self) -> str:
        return f"{self.opportunity} ↔ {self.user}"


class OpportunityLine(models.Model):
    """A product line of a deal: SKU, quantity and the agreed unit price."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines",
                                    verbose_name=_("商机"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("产品"))
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("单价"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="oppline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="oppline_price_not_negative"),
        ]
        verbose_name = _("产品明细")
        verbose_name_plural = _("产品明细")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def subtotal(self):
        return self.quantity * self.unit_price


class StageChange(models.Model):
    """P4: one transition. Regressions and skips are stored so reports can count them directly."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes",
                                    verbose_name=_("商机"))
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("原阶段"))
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("新阶段"))
    changed_at = models.DateTimeField(_("变更时间"), db_index=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("操作人"))
    seconds_in_from_stage = models.BigIntegerField(_("原阶段停留秒数"), null=True, blank=True)
    is_regression = models.BooleanField(_("回退"), default=False)
    is_skip = models.BooleanField(_("跳阶段"), default=False)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="stagechange_opp_idx")]
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class PipelineTotal(models.Model):
    """Deal count and amount per pipeline × stage × owner × region, kept exact by the pipeline services.

    The kanban's column sums read these few thousand rows instead of aggregating a million deals
    (P4 at scale). `region_key` is the region id or 0, so the unique constraint also covers "no region".
    `pipeline_totals_rebuild()` recomputes the table from the deals (after bulk loads).
    """

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+", verbose_name=_("销售流程"))
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("阶段"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("负责人"))
    region_key = models.PositiveBigIntegerField(_("大区ID"), default=0)
    count = models.BigIntegerField(_("商机数"), default=0)
    amount = models.DecimalField(_("金额合计"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["pipeline", "stage", "owner", "region_key"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "stage", "owner", "region_key"],
                                               name="pipelinetotal_unique_per_pipeline")]
        verbose_name = _("阶段汇总")
        verbose_name_plural = _("阶段汇总")

    def __str__(self) -> str:
        return f"{self.pipeline_id}/{self.stage_id}/{self.owner_id}/{self.region_key}: {self.count}"


class DeliverableKind(models.Model):
    """P2: a kind of document a stage may require (通话录音纪要, 技术方案, 报价单); attachments carry its code."""

    name = models.CharField(_("交付物名称"), max_length=40, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True, help_text=_("英文标识，如 solution_doc。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("交付物类型")
        verbose_name_plural = _("交付物类型")

    def __str__(self) -> str:
        return self.name


class FormTemplate(models.Model):
    """P2: a questionnaire filled for a deal, e.g. 《客户需求清单》.

    `questions` is a list of {key, label, type (text/number/choice/date), required, choices}; keys are
    stable across edits so earlier submissions keep their meaning.
    """

    name = models.CharField(_("表单名称"), max_length=60, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    questions = models.JSONField(_("问题"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("表单模板")
        verbose_name_plural = _("表单模板")

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """The name in 《》 as it reads in checklists (《客户需求清单》), whether or not it was typed with them."""
        return self.name if self.name.startswith("《") else f"《{self.name}》"


class FormSubmission(models.Model):
    """One filled form for one deal. `answers` is a list of {key, label, value} as asked at the time."""

    template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="submissions",
                                 verbose_name=_("表单模板"))
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="form_submissions",
                                    verbose_name=_("商机"))
    answers = models.JSONField(_("回答"), default=list)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("提交人"))
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "template"], name="formsubmission_opp_idx")]
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return f"{self.template} · {self.opportunity_id}"


class StageGate(models.Model):
    """P2: one item of a stage's EXIT checklist, checked when a deal moves forward out of the stage or
    skips over it. `pipeline` empty = in every pipeline. The parameter used depends on `kind`."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, null=True, blank=True, related_name="gates",
                                 verbose_name=_("销售流程"), help_text=_("为空表示所有流程。"))
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="gates", verbose_name=_("阶段"))
    kind = models.CharField(_("检查类型"), max_length=20, choices=GateKind.choices)
    field_name = models.CharField(_("商机字段"), max_length=40, choices=GateField.choices, blank=True)
    custom_field_key = models.CharField(_("自定义字段键"), max_length=40, blank=True,
                                        help_text=_("为空表示按自定义字段的“从此阶段起必填”检查。"))
    deliverable_kind = models.ForeignKey(DeliverableKind, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="gates", verbose_name=_("交付物类型"))
    form_template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="gates", verbose_name=_("表单模板"))
    interaction_kind = models.CharField(_("跟进方式"), max_length=10, blank=True)  # customers InteractionKind
    label = models.CharField(_("检查项名称"), max_length=80)
    sequence = models.PositiveIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["stage__sequence", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=GateKind.FIELD) | ~Q(field_name=""),
                                   name="stagegate_field_needs_name"),
            models.CheckConstraint(condition=~Q(kind=GateKind.ATTACHMENT) | Q(deliverable_kind__isnull=False),
                                   name="stagegate_attachment_needs_kind"),
            models.CheckConstraint(condition=~Q(kind=GateKind.FORM) | Q(form_template__isnull=False),
                                   name="stagegate_form_needs_template"),
            models.CheckConstraint(condition=~Q(kind=GateKind.ACTIVITY) | ~Q(interaction_kind=""),
                                   name="stagegate_activity_needs_kind"),
        ]
        verbose_name = _("阶段检查项")
        verbose_name_plural = _("阶段检查项")

    def __str__(self) -> str:
        return f"{self.stage} · {self.label}"
