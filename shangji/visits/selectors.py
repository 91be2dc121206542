"""Reads of field visits, always through visible_to(user) (DESIGN rule 2)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from shangji.visits.models import Visit, VisitPhoto, VisitSignal


def visit_list(*, user) -> QuerySet[Visit]:
    return (Visit.objects.visible_to(user).select_related("customer", "owner", "focus_product", "objection")
            .prefetch_related(Prefetch("photos", queryset=VisitPhoto.objects.order_by("created_at", "id")),
                              Prefetch("signals", queryset=VisitSignal.objects.order_by("id")))
            .order_by("-visited_at", "-id"))


def visit_get(*, user, pk: int) -> Visit:
    return get_object_or_404(visit_list(user=user), pk=pk)
