"""Template context shared by every page: the navigation for the current user."""

from django.utils.translation import gettext_lazy as _

from shangji.leads.services import can_manage_campaigns

NAV = [
    ("web:home", _("首页"), "bi-house"),
    ("leads:list", _("线索"), "bi-person-plus"),
    ("customers:list", _("客户"), "bi-building"),
    ("pipeline:list", _("商机"), "bi-briefcase"),
    ("pipeline:kanban", _("看板"), "bi-kanban"),
    ("todos:list", _("待办"), "bi-check2-square"),
    ("visits:today", _("拜访"), "bi-geo-alt"),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = list(NAV)
    if can_manage_campaigns(user):
        items.insert(2, ("campaigns:list", _("市场活动"), "bi-megaphone"))
    if user.is_manager or user.sees_whole_company or user.role == "marketing":
        items.append(("lead_report:index", _("线索报表"), "bi-funnel"))
    if user.is_manager or user.sees_whole_company:
        items.append(("visit_manager:index", _("团队拜访"), "bi-clipboard-data"))
    if user.can_configure:
        items.append(("automation:rule_list", _("自动化"), "bi-lightning-charge"))
        items.append(("core:settings", _("设置"), "bi-sliders"))
    return {"nav_items": items}
