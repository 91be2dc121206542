from django import forms
from django.utils.translation import gettext_lazy as _

from shangji.org.models import User
from shangji.org.selectors import user_list
from shangji.todos.choices import TaskEntity
from shangji.todos.services import NOTE_MAX, TITLE_MAX
from shangji.web.forms import StyledForm

DUE_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class TaskForm(StyledForm):
    """Create or edit a to-do. The due time is typed in the company's time zone (datetime-local)."""

    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX,
                            error_messages={"required": _("请填写待办标题。"),
                                            "max_length": _("待办标题过长（最多 %(limit_value)s 个字）。")})
    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.none(), empty_label=None,
                                      error_messages={"invalid_choice": _("不能把待办分配给该用户。"),
                                                      "required": _("请选择负责人。")})
    due_at = forms.DateTimeField(
        label=_("截止时间"), required=False, input_formats=DUE_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("截止时间格式不正确，请按“年-月-日 时:分”填写，例如 2025-06-01 18:00。")})
    note = forms.CharField(label=_("备注"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    entity = forms.ChoiceField(choices=[("", "—"), *TaskEntity.choices], required=False, widget=forms.HiddenInput)
    entity_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, current_assignee_id: int | None = None, linkable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        assignees = user_list(user=user)
        if current_assignee_id is not None:
            # Keep the present assignee selectable even when the editor (say, the creator) does not manage them.
            assignees = assignees | User.objects.filter(pk=current_assignee_id)
        self.fields["assignee"].queryset = assignees.order_by("username")
        if not linkable:
            del self.fields["entity"], self.fields["entity_id"]


class QuickTaskForm(TaskForm):
    """The compact "添加待办" form of a record's to-do panel: the link comes from the URL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, linkable=False, **kwargs)
        del self.fields["note"]
        self.fields["title"].widget.attrs["placeholder"] = _("要做什么？")
