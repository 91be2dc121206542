"""One FilterSet per list, for the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from shangji.notify.choices import DeliveryChannel, DeliveryStatus
from shangji.notify.models import Delivery, Notification
from shangji.web.forms import TriStateSelect, style_fields


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(label=_("未读"), widget=TriStateSelect, field_name="read_at",
                                          lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.form, small=True)


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DeliveryStatus.choices, empty_label=_("全部"))
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=DeliveryChannel.choices, empty_label=_("全部"))
    q = django_filters.CharFilter(label=_("接收方"), field_name="target", lookup_expr="icontains")

    class Meta:
        model = Delivery
        fields = ["status", "channel", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.form, small=True)
