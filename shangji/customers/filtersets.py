"""One FilterSet for the customer list page and `GET /api/customers/?…`."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.core.customfields.filters import add_custom_filters
from shangji.customers.choices import Grade
from shangji.customers.models import Customer, Industry
from shangji.customers.selectors import customer_search_q
from shangji.org.selectors import cities, regions
from shangji.web.forms import TriStateSelect, style_fields


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    grade = django_filters.ChoiceFilter(label=_("等级"), choices=Grade.choices)
    industry = django_filters.ModelChoiceFilter(label=_("行业"), queryset=Industry.objects.all())
    region = django_filters.ModelChoiceFilter(label=_("大区"), field_name="city__parent",
                                              queryset=regions())
    city = django_filters.ModelChoiceFilter(label=_("地市"), queryset=cities())
    owner = django_filters.NumberFilter(label=_("负责人ID"), field_name="owner_id", widget=forms.HiddenInput)
    mine = django_filters.BooleanFilter(label=_("只看我的"), widget=TriStateSelect, method="only_mine")

    class Meta:
        model = Customer
        fields = ["q", "grade", "industry", "region", "city", "owner", "mine"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_custom_filters(self, "customer")  # A2: cf_<key> filters, before the form is built
        style_fields(self.form, small=True)

    def search(self, queryset, name, value):
        return queryset.filter(customer_search_q(value))

    def only_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value and self.request else queryset
