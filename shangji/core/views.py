"""The settings registry page (DESIGN rule 6): sales ops change any threshold without a deploy."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from shangji.core.models import SettingValue
from shangji.core.registry import REGISTRY, setting
from shangji.core.services import setting_update

CATEGORY_NAMES = {
    "customers": pgettext_lazy("settings category", "客户"),
    "pipeline": pgettext_lazy("settings category", "商机"),
    "leads": pgettext_lazy("settings category", "线索"),
    "visits": pgettext_lazy("settings category", "拜访"),
    "automation": pgettext_lazy("settings category", "自动化"),
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
