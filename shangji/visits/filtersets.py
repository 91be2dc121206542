"""One FilterSet for `GET /api/visits/?…` (and the visit pages to come)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from shangji.visits.choices import VisitStatus
from shangji.visits.models import Visit


class VisitFilterSet(django_filters.FilterSet):
    customer = django_filters.NumberFilter(label=_("客户"), field_name="customer_id")
    owner = django_filters.NumberFilter(label=_("拜访人"), field_name="owner_id")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=VisitStatus.choices)
    visited_after = django_filters.DateFilter(label=_("拜访日期起"), field_name="visited_at", lookup_expr="date__gte")

    class Meta:
        model = Visit
        fields = ["customer", "owner", "status", "visited_after"]
