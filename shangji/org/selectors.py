"""Reads for the org tree and users."""

from __future__ import annotations

from django.db.models import QuerySet

from shangji.core.visibility import scope_for
from shangji.org.choices import UnitKind
from shangji.org.models import OrgUnit, User


def user_list(*, user) -> QuerySet[User]:
    """Colleagues the user may pick or see: everyone in scope (the whole company for company-wide roles)."""
    scope = scope_for(user)
    users = User.objects.filter(is_active=True).select_related("org_unit")
    if scope.user_id is None:
        return users.none()
    return users if scope.sees_all else users.filter(pk__in=scope.owner_ids)


# Org units are not secret (names of regions and cities): filters and pick lists list them all.
def regions() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=UnitKind.REGION).order_by("name")


def cities() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=UnitKind.CITY).select_related("parent").order_by("parent__name", "name")
