"""C1–C3: the customer master, contacts, interaction history, and the dedup index."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.visibility import Scope, VisibleQuerySet
from shangji.customers.choices import Attitude, DecisionRole, Grade, InteractionKind, Scale


class Industry(models.Model):
    """Configurable vocabulary (DESIGN rule 7)."""

    name = models.CharField(_("行业"), max_length=40, unique=True)
    sequence = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sequence", "name"]
        verbose_name = _("行业")
        verbose_name_plural = _("行业")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(VisibleQuerySet):
    pass


class Customer(models.Model):
    """One real-world company, once (C1). Merged duplicates keep their row, pointing at the survivor."""

    code = models.CharField(_("客户编号"), max_length=20, unique=True)
    name = models.CharField(_("客户名称"), max_length=200)
    name_normalized = models.CharField(_("规范化名称"), max_length=200, db_index=True, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="customers", verbose_name=_("行业"))
    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, blank=True)
    grade = models.CharField(_("等级"), max_length=1, choices=Grade.choices, default=Grade.C)
    city = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="customers", verbose_name=_("地市"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, db_index=True)
    email = models.CharField(_("邮箱"), max_length=120, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_customers",
                              verbose_name=_("负责人"))
    collaborators = models.ManyToManyField(settings.AUTH_USER_MODEL, through="CustomerShare", blank=True,
                                           related_name="shared_customers", verbose_name=_("协作人"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_from", verbose_name=_("已合并到"))
    duplicate_override_reason = models.CharField(_("重复创建理由"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)  # A2: values keyed by CustomField.key
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], name="customer_unique_live_credit_code",
                                    condition=Q(credit_code__isnull=False) & Q(merged_into__isnull=True)),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"], name="customer_owner_idx")]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Q(owner_id__in=scope.owner_ids) | Q(pk__in=shared_customer_ids(scope))

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


def shared_customer_ids(scope: Scope) -> list[int]:
    """Ids of the accounts shared with the user, fetched once per request.

    A literal id list, not a subquery: an empty list drops the branch from the SQL altogether, and a
    short one lets the database combine indexes instead of filtering every row of a big table.
    """
    return scope.remember("shared_customer_ids", lambda: list(
        CustomerShare.objects.filter(user_id=scope.user_id).values_list("customer_id", flat=True)))


class CustomerShare(models.Model):
    """An explicit share: a collaborator (presales, delivery, another rep) serving this account (O2)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares", verbose_name=_("客户"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_shares",
                             verbose_name=_("协作人"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customershare_unique")]
        verbose_name = _("客户协作人")
        verbose_name_plural = _("客户协作人")

    def __str__(self) -> str:
        return f"{self.customer} ↔ {self.user}"


class CustomerMatchKey(models.Model):
    """Blocking keys for search-before-create: candidates are the customers sharing a key (C2)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="match_keys")
    key = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["key"], name="matchkey_key_idx")]
        verbose_name = _("查重索引")
        verbose_name_plural = _("查重索引")

    def __str__(self) -> str:
        return self.key


class ContactQuerySet(VisibleQuerySet):
    pass


class Contact(models.Model):
    """A person at a customer, with their place in the decision chain (C3)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("客户"))
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    mobile = models.CharField(_("手机"), max_length=30, blank=True, db_index=True)
    email = models.CharField(_("邮箱"), max_length=120, blank=True)
    wechat = models.CharField(_("微信"), max_length=60, blank=True)
    decision_role = models.CharField(_("决策角色"), max_length=20, choices=DecisionRole.choices,
                                     default=DecisionRole.USER)
    attitude = models.CharField(_("态度"), max_length=20, choices=Attitude.choices, default=Attitude.UNKNOWN)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)  # A2: values keyed by CustomField.key
    created_at = models.DateTimeField(_("创建时间"))

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Q(customer__owner_id__in=scope.owner_ids) | Q(customer_id__in=shared_customer_ids(scope))


class InteractionQuerySet(VisibleQuerySet):
    pass


class Interaction(models.Model):
    """One touch point with a customer (C3 interaction history)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="interactions",
                                 verbose_name=_("客户"))
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions",
                                verbose_name=_("联系人"))
    opportunity = models.ForeignKey("pipeline.Opportunity", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="interactions", verbose_name=_("商机"))  # P2 activity gates
    kind = models.CharField(_("方式"), max_length=10, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    summary = models.TextField(_("内容"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"))

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("互动记录")
        verbose_name_plural = _("互动记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Contact.visibility_q(scope)


class CustomerMerge(models.Model):
    """History of a merge: which duplicate went into which survivor, by whom and why (C2)."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_received",
                                 verbose_name=_("保留客户"))
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_given",
                               verbose_name=_("被合并客户"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("合并人"))
    merged_at = models.DateTimeField(_("合并时间"))
    reason = models.CharField(_("理由"), max_length=500)
    moved = models.JSONField(_("转移记录"), default=dict)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("客户合并记录")
        verbose_name_plural = _("客户合并记录")

    def __str__(self) -> str:
        return f"{self.merged} → {self.survivor}"
