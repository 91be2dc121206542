"""O1: the org tree (company → region → city → team) and users with roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from shangji.org.choices import COMPANY_WIDE_ROLES, CONFIGURING_ROLES, EDIT_ALL_ROLES, Role, UnitKind


class OrgUnit(models.Model):
    """A node of the org tree. `path` ("/1/4/9/") makes "everything under X" one indexed prefix query."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("层级"), max_length=10, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级")
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_per_parent")]
        verbose_name = _("组织单元")
        verbose_name_plural = _("组织单元")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class User(AbstractUser):
    """A person who logs in. Role decides what they may do; org unit decides whose records they see."""

    name = models.CharField(_("姓名"), max_length=40, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.REP)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("所属组织")
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def sees_whole_company(self) -> bool:
        return self.is_superuser or self.role in COMPANY_WIDE_ROLES

    @property
    def can_edit_everything(self) -> bool:
        return self.is_superuser or self.role in EDIT_ALL_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def can_configure(self) -> bool:
        """Sales ops and admins change settings, stages and other configuration (A2)."""
        return self.is_superuser or self.role in CONFIGURING_ROLES


class Territory(models.Model):
    """O1/L4: which team serves leads from a region or city, optionally of one industry. The most specific
    matching territory wins (city beats region beats company-wide; an industry match beats none)."""

    name = models.CharField(_("名称"), max_length=60)
    team = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="territories", verbose_name=_("负责团队"))
    region = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("大区"))
    city = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("地市"))
    industry = models.ForeignKey("customers.Industry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="territories", verbose_name=_("行业"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("销售区域")
        verbose_name_plural = _("销售区域")

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return (4 if self.city_id else 2 if self.region_id else 0) + (1 if self.industry_id else 0)


class SalesProfile(models.Model):
    """L4: what lead assignment knows about a rep — capacity, shift, leave, industry skills, last location."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sales_profile", verbose_name=_("用户"))
    accepts_leads = models.BooleanField(_("接收线索"), default=True)
    lead_capacity = models.PositiveIntegerField(_("在手线索上限"), null=True, blank=True,
                                                help_text=_("留空则使用系统设置的默认上限"))
    work_start = models.TimeField(_("上班时间"), null=True, blank=True, help_text=_("留空则使用系统设置"))
    work_end = models.TimeField(_("下班时间"), null=True, blank=True, help_text=_("留空则使用系统设置"))
    work_days = models.CharField(_("工作日"), max_length=20, blank=True,
                                 help_text=_("1–7 表示周一到周日，如 12345；留空则使用系统设置"))
    away_until = models.DateField(_("休假至"), null=True, blank=True)
    industries = models.ManyToManyField("customers.Industry", blank=True, related_name="skilled_reps",
                                        verbose_name=_("擅长行业"))
    last_latitude = models.DecimalField(_("最近签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    last_longitude = models.DecimalField(_("最近签到经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    last_located_at = models.DateTimeField(_("最近签到时间"), null=True, blank=True)
    last_lead_at = models.DateTimeField(_("最近分得线索时间"), null=True, blank=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("销售档案")
        verbose_name_plural = _("销售档案")

    def __str__(self) -> str:
        return str(self.user)
