"""Writes for the org tree and users."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shangji.org.choices import KIND_ORDER, Role, UnitKind
from shangji.org.models import OrgUnit, User


@transaction.atomic
def org_unit_create(*, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    if parent is None and kind != UnitKind.COMPANY:
        raise ValueError(_("只有公司可以没有上级组织"))
    if parent is not None and KIND_ORDER.index(UnitKind(kind)) <= KIND_ORDER.index(UnitKind(parent.kind)):
        raise ValueError(_("“%(parent)s”下不能建立“%(kind)s”") % {"parent": parent.get_kind_display(),
                                                        "kind": UnitKind(kind).label})
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent, path="")
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def user_create(*, username: str, password: str | None, name: str, role: str = Role.REP,
                org_unit: OrgUnit | None = None, phone: str = "", email: str = "") -> User:
    """Create a user; `password=None` gives an unusable password (SSO users, bulk loads set a hash later)."""
    user = User(username=username, name=name, role=Role(role), org_unit=org_unit, phone=phone, email=email,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
