"""One FilterSet for the to-do list page and `GET /api/tasks/?…`.

Without parameters it answers "my open to-dos": `scope` defaults to mine (unless an assignee is
picked) and `status` to open. `scope=team` is every to-do the user may see.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.org.selectors import user_list
from shangji.todos.choices import TaskEntity, TaskStatus
from shangji.todos.models import Task
from shangji.todos.selectors import day_start, in_list_order
from shangji.web.forms import TriStateSelect, style_fields

SCOPE_CHOICES = [("mine", _("我的待办")), ("team", _("我能看到的全部"))]
STATUS_CHOICES = [(TaskStatus.OPEN.value, _("未完成")), (TaskStatus.DONE.value, _("已完成")),
                  ("all", pgettext_lazy("task filter", "全部"))]
ENTITY_CHOICES = [*TaskEntity.choices, ("none", _("未关联"))]


def visible_assignees(request):
    return user_list(user=getattr(request, "user", None))


class TaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    scope = django_filters.ChoiceFilter(label=_("范围"), choices=SCOPE_CHOICES, method="in_scope", empty_label=None)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=STATUS_CHOICES, method="with_status",
                                         empty_label=None)
    overdue = django_filters.BooleanFilter(label=_("只看逾期"), widget=TriStateSelect, method="only_overdue")
    due_from = django_filters.DateFilter(label=_("截止日期起"), method="due_on_or_after",
                                         widget=forms.DateInput(attrs={"type": "date"}))
    due_to = django_filters.DateFilter(label=_("截止日期止"), method="due_on_or_before",
                                       widget=forms.DateInput(attrs={"type": "date"}))
    assignee = django_filters.ModelChoiceFilter(label=_("负责人"), queryset=visible_assignees,
                                                empty_label=pgettext_lazy("task filter", "全部"))
    entity = django_filters.ChoiceFilter(label=_("关联类型"), choices=ENTITY_CHOICES, method="linked_to",
                                         empty_label=pgettext_lazy("task filter", "全部"))
    entity_id = django_filters.NumberFilter(label=_("关联记录ID"), field_name="entity_id", widget=forms.HiddenInput)

    class Meta:
        model = Task
        fields = ["q", "scope", "status", "overdue", "due_from", "due_to", "assignee", "entity", "entity_id"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            if not data.get("scope"):
                data["scope"] = "team" if data.get("assignee") else "mine"
            if not data.get("status"):
                data["status"] = TaskStatus.OPEN.value
        super().__init__(data, *args, **kwargs)
        style_fields(self.form, small=True)

    def filter_queryset(self, queryset):
        return in_list_order(super().filter_queryset(queryset), status=self.form.cleaned_data.get("status"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(title__icontains=value) if value else queryset

    def in_scope(self, queryset, name, value):
        if value == "mine" and self.request is not None:
            return queryset.filter(assignee_id=self.request.user.pk)
        return queryset

    def with_status(self, queryset, name, value):
        return queryset if value in ("", "all") else queryset.filter(status=value)

    def only_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = {"status": TaskStatus.OPEN, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def due_on_or_after(self, queryset, name, value):
        return queryset.filter(due_at__gte=day_start(value))

    def due_on_or_before(self, queryset, name, value):
        return queryset.filter(due_at__lt=day_start(value + timedelta(days=1)))

    def linked_to(self, queryset, name, value):
        if value == "none":
            return queryset.filter(entity="")
        return queryset.filter(entity=value) if value else queryset
