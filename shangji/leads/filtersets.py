"""One FilterSet for the lead workspace page and `GET /api/leads/?…`."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.leads import selectors
from shangji.leads.choices import Channel, LeadStatus, Source
from shangji.leads.models import Lead
from shangji.org.models import User
from shangji.web.forms import style_fields

QUEUE_CHOICES = [(selectors.Queue.MINE, _("我的线索")), (selectors.Queue.TEAM, _("团队待分配")),
                 (selectors.Queue.SILENT, _("静默池")), (selectors.Queue.ALL, _("全部"))]


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    queue = django_filters.ChoiceFilter(label=_("队列"), choices=QUEUE_CHOICES, method="only_queue",
                                        widget=forms.HiddenInput)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=LeadStatus.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=Source.choices)
    campaign = django_filters.ModelChoiceFilter(label=_("市场活动"), queryset=selectors.campaign_choices())
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    score_min = django_filters.NumberFilter(label=_("最低分"), field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(label=_("最高分"), field_name="score", lookup_expr="lte")
    owner = django_filters.ModelChoiceFilter(label=_("负责人"), queryset=User.objects.none())
    created_from = django_filters.DateFilter(label=_("获取日期起"), field_name="created_at", lookup_expr="date__gte",
                                             widget=forms.DateInput(attrs={"type": "date"}))
    created_to = django_filters.DateFilter(label=_("获取日期止"), field_name="created_at", lookup_expr="date__lte",
                                           widget=forms.DateInput(attrs={"type": "date"}))
    ordering = django_filters.OrderingFilter(
        label=_("排序"), fields=(("score", "score"), ("created_at", "created_at"), ("assigned_at", "assigned_at"),
                                 ("first_contact_at", "first_contact_at")),
        widget=forms.HiddenInput)

    class Meta:
        model = Lead
        fields = ["q", "queue", "status", "source", "campaign", "channel", "score_min", "score_max", "owner",
                  "created_from", "created_to", "ordering"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # Only people the viewer may see are offered (and accepted) as owners.
        self.filters["owner"].queryset = selectors.assignable_users(user=user) if user else User.objects.none()
        self.form.fields["owner"].queryset = self.filters["owner"].queryset
        style_fields(self.form, small=True)

    def search(self, queryset, name, value):
        return queryset.filter(selectors.lead_search_q(value))

    def only_queue(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return selectors.lead_queue(user=self.request.user, queue=value, leads=queryset)
