"""Pages of the rule builder: list, create/edit, detail with the tester, and the run log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shangji.automation import selectors
from shangji.automation.catalog import record_label
from shangji.automation.choices import Entity
from shangji.automation.engine import rule_dry_run
from shangji.automation.filtersets import RuleRunFilterSet
from shangji.automation.forms import RuleForm, initial_of
from shangji.automation.models import Rule
from shangji.automation.services import rule_create, rule_disable, rule_enable, rule_update
from shangji.automation.summary import summarize

BUILDER_TEXTS = {
    "match": gettext_lazy("满足方式"),
    "match_all": gettext_lazy("以下全部满足"),
    "match_any": gettext_lazy("以下任一满足"),
    "add_condition": gettext_lazy("条件"),
    "add_group": gettext_lazy("条件组"),
    "remove_group": gettext_lazy("删除此组"),
    "remove": gettext_lazy("删除"),
    "field": gettext_lazy("字段"),
    "op": gettext_lazy("比较"),
    "value": gettext_lazy("值"),
    "missing_field": gettext_lazy("⚠ 已不存在："),
    "days": gettext_lazy("天"),
    "yuan": gettext_lazy("元"),
    "or_setting": gettext_lazy("或取自设置项…"),
    "action_type": gettext_lazy("动作"),
    "add_action": gettext_lazy("动作"),
    "recipient": gettext_lazy("接收人"),
    "role": gettext_lazy("角色"),
    "level": gettext_lazy("层级"),
    "user": gettext_lazy("人员"),
    "add_recipient": gettext_lazy("接收人"),
    "to": gettext_lazy("发给"),
    "title": gettext_lazy("标题"),
    "body": gettext_lazy("内容"),
    "due": gettext_lazy("完成期限"),
    "hours": gettext_lazy("小时"),
    "levels": gettext_lazy("上报层级"),
    "assign_to": gettext_lazy("分配给"),
    "yes": gettext_lazy("是"),
    "no": gettext_lazy("否"),
    "operation": gettext_lazy("操作"),
    "reason": gettext_lazy("原因"),
    "subscription": gettext_lazy("Webhook"),
    "no_subscriptions": gettext_lazy("还没有启用的 Webhook 订阅，请先在“通知渠道”中添加。"),
    "placeholders": gettext_lazy(
        "标题和内容可用 {字段标识} 引用记录的值，如 {name}、{amount}、{stage}、{owner}、{link}。"),
}


def _rule(request, pk: int) -> Rule:
    try:
        return selectors.rule_get(user=request.user, pk=pk)
    except Rule.DoesNotExist:
        raise Http404 from None


@login_required
def rule_list(request):
    rules = list(selectors.rule_list(user=request.user))
    return render(request, "automation/rule_list.html", {"rules": rules})


@login_required
def rule_create_page(request):
    selectors.rule_list(user=request.user)  # permission check
    return _edit(request, rule=None)


@login_required
def rule_edit(request, pk: int):
    return _edit(request, rule=_rule(request, pk))


def _edit(request, *, rule: Rule | None):
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                if rule is None:
                    rule = rule_create(spec=form.spec(), actor=request.user)
                    messages.success(request, _("已创建规则“%(name)s”。") % {"name": rule.name})
                else:
                    rule = rule_update(rule=rule, spec=form.spec(), actor=request.user)
                    messages.success(request, _("已保存规则“%(name)s”。") % {"name": rule.name})
                return redirect("automation:rule_detail", pk=rule.pk)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    elif rule is not None:
        form = RuleForm(initial=initial_of(rule))
    else:
        entity = request.GET.get("entity", Entity.OPPORTUNITY)
        form = RuleForm(initial={"entity": entity if entity in Entity.values else Entity.OPPORTUNITY})
    entity = form.data.get("entity") if form.is_bound else form.initial.get("entity")
    entity = entity if entity in Entity.values else Entity.OPPORTUNITY
    catalogs = {value: selectors.builder_catalog(entity=value) for value in Entity.values}
    return render(request, "automation/rule_form.html", {"form": form, "rule": rule, "catalogs": catalogs,
                                                         "entity": entity, "texts": BUILDER_TEXTS})


@login_required
def rule_detail(request, pk: int):
    rule = _rule(request, pk)
    runs = rule.runs.all()[:20]
    records = selectors.recent_records(user=request.user, entity=rule.entity)
    return render(request, "automation/rule_detail.html", {
        "rule": rule, "summary": summarize(rule), "runs": runs, "records": records})


@login_required
def rule_try(request, pk: int):
    """The tester: "would fire: yes, because …" for a record the user picks (htmx partial)."""
    rule = _rule(request, pk)
    raw = (request.GET.get("record") or "").strip().lstrip("#")
    record = selectors.record_to_try(user=request.user, entity=rule.entity, entity_id=int(raw)) \
        if raw.isdigit() else None
    context = {"rule": rule, "record": record, "asked": bool(raw)}
    if record is not None:
        try:
            verdict, effects = rule_dry_run(rule=rule, record=record)
            context |= {"verdict": verdict, "effects": effects, "label": record_label(rule.entity, record)}
        except LookupError as error:
            context["error"] = _("条件引用的字段“%(field)s”不存在或已停用。") % {"field": error.args[0]}
    return render(request, "automation/_try_result.html", context)


@login_required
@require_POST
def rule_toggle(request, pk: int):
    rule = _rule(request, pk)
    try:
        if rule.is_enabled:
            rule_disable(rule=rule, actor=request.user, reason=_("由 %(name)s 手动停用") % {
                "name": request.user.display_name})
            messages.success(request, _("已停用规则“%(name)s”。") % {"name": rule.name})
        else:
            rule_enable(rule=rule, actor=request.user)
            messages.success(request, _("已启用规则“%(name)s”。") % {"name": rule.name})
    except ValidationError as error:
        messages.error(request, _("规则无法启用：%(reason)s") % {"reason": "；".join(error.messages)})
    return redirect(request.POST.get("next") or "automation:rule_list")


@login_required
def run_list(request):
    runs = selectors.run_list(user=request.user)
    filterset = RuleRunFilterSet(request.GET, queryset=runs)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "automation/run_list.html", {"filterset": filterset, "page": page})
