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
