"""The settings registry page (DESIGN rule 6): sales ops change any threshold without a deploy."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from shangji.core.customfields import custom_fields_for, definitions
from shangji.core.forms import CustomFieldForm
from shangji.core.models import CustomField, CustomFieldEntity, SettingValue
from shangji.core.registry import REGISTRY, setting
from shangji.core.services import setting_update

CATEGORY_NAMES = {
    "customers": pgettext_lazy("settings category", "客户"),
    "pipeline": pgettext_lazy("settings category", "商机"),
    "leads": pgettext_lazy("settings category", "线索"),
    "visits": pgettext_lazy("settings category", "拜访"),
    "automation": pgettext_lazy("settings category", "自动化"),
    "attachments": pgettext_lazy("settings category", "附件"),
    "todos": pgettext_lazy("settings category", "待办"),
    "notify": pgettext_lazy("settings category", "通知"),
}


@login_required
def settings_page(request):
    if not request.user.can_configure:
        raise PermissionDenied
    if request.method == "POST":
        key = request.POST.get("key", "")
        if key not in REGISTRY:
            messages.error(request, _("未知的设置项。"))
        else:
            raw = request.POST.get("value", "") if REGISTRY[key].kind != "bool" else "value" in request.POST
            try:
                setting_update(key=key, raw_value=raw, actor=request.user)
                messages.success(request, _("已更新“%(label)s”。") % {"label": REGISTRY[key].label})
            except ValueError as error:
                messages.error(request, str(error))
        return redirect("core:settings")
    overridden = dict(SettingValue.objects.values_list("key", "updated_at"))
    rows = [{"definition": d, "value": setting(d.key), "overridden": d.key in overridden}
            for d in sorted(REGISTRY.values(), key=lambda d: (d.category, d.key))]
    groups = [(CATEGORY_NAMES.get(category, category), list(items))
              for category, items in groupby(rows, key=lambda row: row["definition"].category)]
    return render(request, "core/settings.html", {"groups": groups})


# --- A2 custom fields: /settings/fields/ ---------------------------------------------------------------------------

def _configurator(request) -> None:
    if not request.user.can_configure:
        raise PermissionDenied


@login_required
def custom_field_list(request):
    _configurator(request)
    groups = [(entity, label, custom_fields_for(entity, include_inactive=True))
              for entity, label in CustomFieldEntity.choices]
    return render(request, "core/custom_fields.html", {"groups": groups})


@login_required
def custom_field_edit(request, pk: int | None = None):
    _configurator(request)
    field = get_object_or_404(CustomField, pk=pk) if pk is not None else None
    entity = field.entity if field else request.GET.get("entity", "")
    if entity not in CustomFieldEntity.values:
        return redirect("core:custom_fields")
    value_count = definitions.custom_field_value_count(field) if field else 0
    form = CustomFieldForm(request.POST or None, entity=entity, field=field, type_locked=value_count > 0)
    if request.method == "POST" and form.is_valid():
        try:
            if field is None:
                field = definitions.custom_field_create(actor=request.user, entity=entity, definition=form.definition())
                messages.success(request, _("已新增字段“%(label)s”（字段键 %(key)s）。") % {
                    "label": field.label, "key": field.key})
            else:
                definitions.custom_field_update(field=field, actor=request.user, definition=form.definition())
                messages.success(request, _("已保存字段“%(label)s”。") % {"label": form.cleaned_data["label"]})
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            return redirect("core:custom_fields")
    return render(request, "core/custom_fields_form.html", {
        "form": form, "field": field, "entity_label": CustomFieldEntity(entity).label, "value_count": value_count})


@login_required
@require_POST
def custom_field_move(request, pk: int):
    _configurator(request)
    field = get_object_or_404(CustomField, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    definitions.custom_field_move(field=field, actor=request.user, offset=offset)
    return redirect("core:custom_fields")


@login_required
@require_POST
def custom_field_toggle(request, pk: int):
    _configurator(request)
    field = get_object_or_404(CustomField, pk=pk)
    field = definitions.custom_field_set_active(field=field, actor=request.user,
                                                is_active=request.POST.get("is_active") == "1")
    message = _("已启用字段“%(label)s”。") if field.is_active else _("已停用字段“%(label)s”，已填写的值会保留。")
    messages.success(request, message % {"label": field.label})
    return redirect("core:custom_fields")
