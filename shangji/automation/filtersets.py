import django_filters
from django.utils.translation import gettext_lazy as _

from shangji.automation.choices import Entity, RunOutcome
from shangji.automation.models import Rule, RuleRun
from shangji.web.forms import style_fields


class RuleRunFilterSet(django_filters.FilterSet):
    rule = django_filters.ModelChoiceFilter(label=_("规则"), queryset=Rule.objects.all())
    outcome = django_filters.ChoiceFilter(label=_("结果"), choices=RunOutcome.choices)
    entity = django_filters.ChoiceFilter(label=_("对象"), choices=Entity.choices)
    entity_id = django_filters.NumberFilter(label=_("记录ID"))
    since = django_filters.DateFilter(label=_("开始日期"), field_name="ran_at", lookup_expr="date__gte")

    class Meta:
        model = RuleRun
        fields = ["rule", "outcome", "entity", "entity_id", "since"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.form, small=True)
