"""One FilterSet for the opportunity list page, the kanban and `GET /api/opportunities/?…`."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.filters import add_custom_filters
from shangji.org.selectors import regions
from shangji.pipeline.models import Opportunity, Pipeline, Stage, StageChange
from shangji.pipeline.selectors import stuck_before
from shangji.web.forms import TriStateSelect, style_fields


class OpportunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    stage = django_filters.ModelChoiceFilter(label=_("阶段"), queryset=Stage.objects.all())
    pipeline = django_filters.ModelChoiceFilter(label=_("销售流程"), queryset=Pipeline.objects.filter(is_active=True))
    region = django_filters.ModelChoiceFilter(label=_("大区"), queryset=regions())
    owner = django_filters.NumberFilter(label=_("负责人ID"), field_name="owner_id", widget=forms.HiddenInput)
    customer = django_filters.NumberFilter(label=_("客户ID"), field_name="customer_id", widget=forms.HiddenInput)
    amount_min = django_filters.NumberFilter(label=_("最低金额"), field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label=_("最高金额"), field_name="amount", lookup_expr="lte")
    close_from = django_filters.DateFilter(label=_("预计成交起"), field_name="expected_close_date", lookup_expr="gte")
    close_to = django_filters.DateFilter(label=_("预计成交止"), field_name="expected_close_date", lookup_expr="lte")
    is_open = django_filters.BooleanFilter(label=_("未关闭"), widget=TriStateSelect, field_name="closed_at",
                                           lookup_expr="isnull")
    stuck = django_filters.BooleanFilter(label=_("停滞"), widget=TriStateSelect, method="only_stuck")
    mine = django_filters.BooleanFilter(label=_("只看我的"), widget=TriStateSelect, method="only_mine")

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "pipeline", "region", "owner", "customer", "amount_min", "amount_max", "close_from",
                  "close_to", "is_open", "stuck", "mine"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_custom_filters(self, "opportunity")  # A2: cf_<key> filters, before the form is built
        style_fields(self.form, small=True)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def only_stuck(self, queryset, name, value):
        if value is None:
            return queryset
        stuck = {"closed_at__isnull": True, "stage_entered_at__lt": stuck_before()}
        return queryset.filter(**stuck) if value else queryset.exclude(**stuck)

    def only_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value and self.request else queryset


class StageChangeFilterSet(django_filters.FilterSet):
    """P4 history queries — regressions, skips, a given transition, a period — for the page and the API."""

    from_stage = django_filters.ModelChoiceFilter(label=_("原阶段"), queryset=Stage.objects.all())
    to_stage = django_filters.ModelChoiceFilter(label=_("新阶段"), queryset=Stage.objects.all())
    is_regression = django_filters.BooleanFilter(label=_("回退"), widget=TriStateSelect)
    is_skip = django_filters.BooleanFilter(label=_("跳阶段"), widget=TriStateSelect)
    since = django_filters.IsoDateTimeFilter(label=_("起始日期"), field_name="changed_at", lookup_expr="gte",
                                             widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.IsoDateTimeFilter(label=_("截止日期"), field_name="changed_at", lookup_expr="lt",
                                             widget=forms.DateInput(attrs={"type": "date"}))
    opportunity = django_filters.NumberFilter(label=_("商机ID"), field_name="opportunity_id", widget=forms.HiddenInput)
    changed_by = django_filters.NumberFilter(label=_("操作人ID"), field_name="changed_by_id", widget=forms.HiddenInput)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "is_regression", "is_skip", "since", "until", "opportunity", "changed_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.form, small=True)
