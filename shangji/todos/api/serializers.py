from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shangji.todos.choices import TaskEntity
from shangji.todos.models import Task
from shangji.todos.services import NOTE_MAX


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.IntegerField(source="assignee_id", required=False,
                                        help_text=_("负责人用户ID；默认为当前用户。"))
    assignee_name = serializers.CharField(source="assignee.display_name", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", default=None, read_only=True)
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, label=_("截止时间"),
        help_text=_("ISO 8601；不带时区时按公司时区理解。null 表示没有截止时间。"),
        error_messages={"invalid": _("截止时间格式不正确，请使用 ISO 8601 格式，例如 2025-06-01T18:00:00+08:00。")})
    entity = serializers.ChoiceField(choices=TaskEntity.choices, required=False, allow_blank=True, label=_("关联类型"),
                                     help_text=_("关联记录的类型；只能在新建时指定。"))
    entity_id = serializers.IntegerField(required=False, allow_null=True, label=_("关联记录ID"),
                                         help_text=_("关联记录的ID；只能在新建时指定。"))
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("未完成且已过截止时间。"))

    class Meta:
        model = Task
        fields = ["id", "title", "note", "assignee", "assignee_name", "due_at", "is_overdue", "status", "entity",
                  "entity_id", "done_at", "done_by", "created_by", "created_by_name", "source", "created_at",
                  "updated_at"]
        read_only_fields = ["status", "done_at", "done_by", "created_by", "source", "created_at", "updated_at"]
        extra_kwargs = {
            "title": {"error_messages": {"blank": _("请填写待办标题。"), "required": _("请填写待办标题。")}},
            "note": {"max_length": NOTE_MAX},
        }
