"""Pipeline pages: list with filters, kanban, detail with stage history, create/edit, stage moves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import HiddenInput
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.customfields import custom_rows, export_columns
from shangji.core.exports import csv_response
from shangji.core.selectors import audit_trail
from shangji.core.visibility import can_change
from shangji.customers.selectors import customer_list
from shangji.pipeline import selectors, services
from shangji.pipeline.evidence_views import evidence_context
from shangji.pipeline.filtersets import OpportunityFilterSet, StageChangeFilterSet
from shangji.pipeline.forms import MoveForm, OpportunityEditForm, OpportunityForm
from shangji.pipeline.gates import GateNotMet
from shangji.pipeline.models import Stage
from shangji.pipeline.pipelines import pipeline_list, pipeline_stages

PAGE_SIZE = 25


@login_required
def opportunity_list_page(request):
    filterset = OpportunityFilterSet(request.GET, queryset=selectors.opportunity_list(user=request.user),
                                     request=request)
    page = Paginator(filterset.qs.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pipeline/list.html", {"filter": filterset, "page": page,
                                                  "stuck_before": selectors.stuck_before()})


@login_required
def opportunity_export(request):
    """The filtered list as CSV — exactly the rows the list page would show this user (O2)."""
    filterset = OpportunityFilterSet(request.GET, queryset=selectors.opportunity_list(user=request.user),
                                     request=request)
    rows = filterset.qs.order_by("-updated_at", "-id").values_list(
        "pk", "name", "customer__code", "customer__name", "stage__name", "amount", "currency", "owner__name",
        "region__name", "expected_close_date", "stage_entered_at", "closed_at", "created_at", "custom",
    ).iterator(chunk_size=2000)
    header = [_("商机ID"), _("商机名称"), _("客户编号"), _("客户名称"), _("阶段"), _("金额"), _("币种"), _("负责人"),
              _("大区"), _("预计成交日期"), _("进入当前阶段时间"), _("关闭时间"), _("创建时间")]
    custom_header, custom_cells = export_columns("opportunity", request=request)  # A2: one column per custom field
    return csv_response(filename="opportunities", header=header + custom_header,
                        rows=((*row[:-1], *custom_cells(row[-1])) for row in rows))


@login_required
def stage_change_list_page(request):
    """P4: which deals moved how — e.g. every regression from 谈判 to 需求确认 last month."""
    filterset = StageChangeFilterSet(request.GET, queryset=selectors.stage_changes_visible(user=request.user),
                                     request=request)
    changes = filterset.qs.order_by("-changed_at", "-id")
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pipeline/changes.html", {
        "filter": filterset, "page": page, "skip_rate": selectors.skip_rate(user=request.user),
        "regression_count": changes.filter(is_regression=True).count()})


@login_required
def kanban(request):
    """P3/P4: one pipeline's board (the default pipeline unless `?pipeline=` picks another)."""
    pipelines = list(pipeline_list())
    query = request.GET.copy()
    chosen = next((p for p in pipelines if str(p.pk) == query.get("pipeline")), pipelines[0] if pipelines else None)
    if chosen is not None:
        query["pipeline"] = str(chosen.pk)
    filterset = OpportunityFilterSet(query, queryset=selectors.opportunity_list(user=request.user), request=request)
    filterset.form.fields.pop("stage", None)
    filterset.form.fields["pipeline"].widget = HiddenInput()  # chosen with the tabs above the board
    queryset = filterset.qs
    return render(request, "pipeline/kanban.html", {
        "filter": filterset, "pipelines": pipelines, "pipeline": chosen,
        "columns": selectors.kanban_columns(user=request.user, queryset=queryset,
                                            filters=filterset.form.cleaned_data if filterset.is_valid() else None),
        "stuck_before": selectors.stuck_before(), "lost_reasons": selectors.lost_reason_list(),
    })


@login_required
def opportunity_detail(request, pk: int):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    return render(request, "pipeline/detail.html", {
        "opportunity": opportunity,
        "custom_rows": custom_rows([opportunity], entity="opportunity", request=request)[opportunity.pk],
        "history": selectors.stage_history(opportunity=opportunity),
        "lines": opportunity.lines.select_related("product"),
        "audit": audit_trail(entity="opportunity", entity_id=opportunity.pk),
        "can_change": can_change(request.user, opportunity.owner_id),
        "stuck_before": selectors.stuck_before(),
        "lost_stage_ids": [stage.pk for stage in selectors.stage_list() if stage.is_lost],
        **_move_and_evidence(request, opportunity),
    })


def _move_and_evidence(request, opportunity) -> dict:
    """P2/P3 on the deal page: the move form offers the deal's pipeline stages (and 输单); evidence panels."""
    stages = [stage.pk for stage in pipeline_stages(opportunity.pipeline)]
    move_form = MoveForm(initial={"stage": opportunity.stage_id, "version": opportunity.version})
    move_form.fields["stage"].queryset = Stage.objects.filter(Q(pk__in=stages) | Q(is_lost=True), is_active=True)
    return {"move_form": move_form, **evidence_context(request, opportunity)}


@login_required
def opportunity_create(request):
    form = OpportunityForm(request.POST or None, initial={"customer": request.GET.get("customer")}, user=request.user,
                           request=request)
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    customer = customer_list(user=request.user).filter(pk=customer_id).first() if str(customer_id).isdigit() else None
    if customer is None:
        messages.error(request, _("请先打开一个客户，再从客户页面新建商机。"))
        return redirect("customers:list")
    if not can_change(request.user, customer.owner_id):
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_create(
                actor=request.user, customer=customer, name=data["name"], amount=data["amount"], stage=data["stage"],
                expected_close_date=data["expected_close_date"], description=data["description"],
                custom=form.custom_values(), pipeline=data.get("pipeline"))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已创建商机。"))
            return redirect("pipeline:detail", pk=opportunity.pk)
    return render(request, "pipeline/form.html", {"form": form, "customer": customer})


@login_required
def opportunity_edit(request, pk: int):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    if not can_change(request.user, opportunity.owner_id):
        raise PermissionDenied
    form = OpportunityEditForm(request.POST or None, initial={
        "version": opportunity.version, "name": opportunity.name, "amount": opportunity.amount,
        "expected_close_date": opportunity.expected_close_date, "description": opportunity.description,
        "pipeline": opportunity.pipeline_id},
        user=request.user, record=opportunity, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.opportunity_update(opportunity=opportunity, actor=request.user, version=data["version"],
                                        name=data["name"], amount=data["amount"],
                                        expected_close_date=data["expected_close_date"],
                                        description=data["description"], custom=form.custom_values(),
                                        pipeline=data.get("pipeline"))
        except services.StaleVersion as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已保存。"))
            return redirect("pipeline:detail", pk=opportunity.pk)
    return render(request, "pipeline/form.html", {"form": form, "opportunity": opportunity,
                                                  "customer": opportunity.customer})


@login_required
@require_POST
def opportunity_move(request, pk: int):
    """Stage move from the detail page (form post) or the kanban (fetch, JSON answer)."""
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    form = MoveForm(request.POST)
    error, code, status, extra = None, "invalid", 400, {}
    if not can_change(request.user, opportunity.owner_id):
        error, code, status = _("您无权修改该商机。"), "permission_denied", 403
    elif not form.is_valid():
        error = "；".join(e for errors in form.errors.values() for e in errors)
    else:
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_move(
                opportunity=opportunity, actor=request.user, to_stage=data["stage"], version=data["version"],
                lost_reason=data["lost_reason"], note=data["note"])
        except services.StaleVersion as stale:
            error, code, status = str(stale), "conflict", 409
        except GateNotMet as blocked:  # P2: what is missing, item by item, for the kanban's message
            error, code, extra = blocked.messages[0], "gate_not_met", {"missing": blocked.missing}
        except services.OpportunityFrozen as frozen:
            error, code = frozen.messages[0], "frozen"
        except ValidationError as invalid:
            error = "；".join(invalid.messages)
    if wants_json:
        if error:
            return JsonResponse({"code": code, "message": error, **extra}, status=status)
        return JsonResponse({"id": opportunity.pk, "stage": opportunity.stage_id, "version": opportunity.version})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("阶段已更新为“%(stage)s”。") % {"stage": opportunity.stage.name})
    return redirect("pipeline:detail", pk=pk)
