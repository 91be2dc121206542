"""Lead workspace pages (L1–L8): the queue tabs, detail, manual entry, import and conversion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.customfields import custom_rows
from shangji.core.exports import csv_response
from shangji.core.visibility import can_change
from shangji.customers.selectors import customer_list
from shangji.customers.services import DuplicateSuspected
from shangji.leads import selectors, services
from shangji.leads.choices import Source
from shangji.leads.conversion import conversion_matches, lead_convert
from shangji.leads.filtersets import QUEUE_CHOICES, LeadFilterSet
from shangji.leads.forms import ArchiveForm, AssignForm, ConvertForm, ImportForm, LeadForm, TouchForm
from shangji.leads.importer import TEMPLATE_HEADER, ImportRefused, check_size, leads_import
from shangji.leads.selectors import Queue
from shangji.org.choices import Role
from shangji.web.pages import submit

PAGE_SIZE = 25
IMPORT_ERRORS_KEY = "leads_import_errors"


def _default_queue(user) -> str:
    if user.role == Role.REP:
        return Queue.MINE
    return Queue.TEAM if user.is_manager else Queue.ALL


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _decorate(leads, user, now=None) -> list:
    """What each row shows beyond the model: response time, score band and the actions the user may take."""
    now = now or timezone.now()
    rows = list(leads)
    for lead in rows:
        lead.response = selectors.first_response(lead, now)
        lead.band = selectors.score_band(lead.score)
        lead.may_assign = lead.is_open and services.can_assign(user, lead)
        lead.may_claim = lead.owner_id is None and lead.status == "queued" and user.role == Role.REP
        lead.may_recycle = lead.silent_since is not None and lead.is_open and lead.may_assign
    return rows


@login_required
def lead_list(request):
    data = request.GET.copy()
    if data.get("queue") not in Queue.ALL_QUEUES:
        data["queue"] = _default_queue(request.user)
    queue = data["queue"]
    leads = selectors.priority_order(selectors.lead_list(user=request.user))
    filterset = LeadFilterSet(data, queryset=leads, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list, request.user)
    users = selectors.assignable_users(user=request.user) if any(lead.may_assign for lead in page) else None
    tabs = [{"key": key, "label": label} for key, label in QUEUE_CHOICES]
    return render(request, "leads/list.html", {
        "filter": filterset, "page": page, "queue": queue, "tabs": tabs, "users": list(users or []),
        "back": request.get_full_path(),
    })


def _row_response(request, lead, message: str = "", ok: bool = True):
    """htmx: the row again after an action; a plain request goes back to where it came from."""
    if request.htmx:
        lead = selectors.lead_list(user=request.user).filter(pk=lead.pk).first()
        if lead is None:  # handed to someone the user cannot see any more
            return render(request, "leads/_row_gone.html", {"message": message})
        row = _decorate([lead], request.user)[0]
        users = selectors.assignable_users(user=request.user) if row.may_assign else []
        return render(request, "leads/_row.html", {"lead": row, "users": list(users), "row_message": message,
                                                   "row_ok": ok, "back": request.POST.get("next", "")})
    (messages.success if ok else messages.error)(request, message)
    return redirect(_safe_next(request, reverse("leads:detail", args=[lead.pk])))


@login_required
@require_POST
def lead_claim(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    try:
        services.lead_claim(lead=lead, actor=request.user)
    except services.AlreadyClaimed as error:
        return _row_response(request, lead, "；".join(error.messages), ok=False)
    return _row_response(request, lead, _("已认领，请尽快联系客户。"))


@login_required
@require_POST
def lead_assign(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    if not services.can_assign(request.user, lead):
        raise PermissionDenied
    form = AssignForm(request.POST, users=selectors.assignable_users(user=request.user))
    if not form.is_valid():
        return _row_response(request, lead, "；".join(e for errors in form.errors.values() for e in errors), ok=False)
    try:
        services.lead_assign_to(lead=lead, actor=request.user, owner=form.cleaned_data["owner"],
                                note=form.cleaned_data["note"])
    except ValidationError as error:
        return _row_response(request, lead, "；".join(error.messages), ok=False)
    return _row_response(request, lead, _("已分配给 %(name)s。") % {"name": form.cleaned_data["owner"].display_name})


@login_required
@require_POST
def lead_recycle(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    if not services.can_assign(request.user, lead):
        raise PermissionDenied
    try:
        services.lead_recycle(lead=lead, actor=request.user)
    except ValidationError as error:
        return _row_response(request, lead, "；".join(error.messages), ok=False)
    lead.refresh_from_db()
    name = lead.owner.display_name if lead.owner else _("团队待分配队列")
    return _row_response(request, lead, _("已回收，重新分配给 %(name)s。") % {"name": name})


@login_required
def lead_detail(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    explanation = [{"label": line["label"], "points": line["points"]} for line in lead.score_explanation]
    may_change = lead.owner_id is not None and can_change(request.user, lead.owner_id)
    may_assign = lead.is_open and services.can_assign(request.user, lead)
    context = {
        "lead": lead,
        "band": selectors.score_band(lead.score),
        "explanation": explanation,
        "explanation_sum": sum(line["points"] for line in explanation),
        "response": selectors.first_response(lead),
        "custom_rows": [row for row in custom_rows([lead], entity="lead", request=request)[lead.pk] if row.text],
        "assignments": selectors.lead_assignments(lead=lead),
        "touches": selectors.lead_touches(lead=lead),
        "nurture": selectors.lead_nurture(lead=lead),
        "may_change": may_change and lead.is_open,
        "may_assign": may_assign,
        "may_claim": lead.owner_id is None and lead.status == "queued" and request.user.role == Role.REP,
        "may_recycle": may_assign and lead.silent_since is not None,
        "touch_form": TouchForm(),
        "archive_form": ArchiveForm(),
        "assign_form": AssignForm(users=selectors.assignable_users(user=request.user)) if may_assign else None,
    }
    return render(request, "leads/detail.html", context)


def _changeable_lead(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    if lead.owner_id is None or not can_change(request.user, lead.owner_id):
        raise PermissionDenied
    return lead


@login_required
@require_POST
def lead_touch(request, pk: int):
    lead = _changeable_lead(request, pk)
    submit(request, TouchForm(request.POST), lambda data: services.lead_touch(
        lead=lead, actor=request.user, kind=data["kind"], note=data["note"]), _("已记录跟进。"))
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def lead_archive(request, pk: int):
    lead = _changeable_lead(request, pk)
    submit(request, ArchiveForm(request.POST), lambda data: services.lead_archive(
        lead=lead, actor=request.user, reason=data["reason"]), _("已归档。"))
    return redirect("leads:detail", pk=lead.pk)


@login_required
def lead_create(request):
    form = LeadForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = services.LeadInput(
            name=data["name"], company=data["company"], phone=data["phone"], email=data["email"],
            title=data["title"], need=data["need"], budget=data["budget"], scale=data["scale"],
            industry=data["industry"].name if data["industry"] else "",
            city=data["city"].name if data["city"] else "", consent=data["consent"], custom=form.custom_values())
        owner = request.user if request.user.role == Role.REP else None
        try:
            lead, _created = services.lead_capture(source=Source.MANUAL, data=values, campaign=data["campaign"],
                                                   actor=request.user, owner=owner)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, texts in error.message_dict.items():
                    form.add_error(key if key in form.fields else None, texts)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("已录入线索“%(name)s”（评分 %(score)s）。") % {"name": lead,
                                                                                  "score": lead.score})
            if selectors.lead_list(user=request.user).filter(pk=lead.pk).exists():
                return redirect("leads:detail", pk=lead.pk)
            return redirect("leads:list")  # assigned to a team the user does not see
    return render(request, "leads/form.html", {"form": form})


@login_required
def lead_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)  # before reading a huge file into memory
            result = leads_import(name=upload.name, content=upload.read(), actor=request.user,
                                  campaign=form.cleaned_data["campaign"])
        except ImportRefused as error:
            form.add_error("file", error.message_dict["file"])
        else:
            request.session[IMPORT_ERRORS_KEY] = [[e.row, e.column, e.message] for e in result.errors]
    return render(request, "leads/import.html", {"form": form, "result": result, "columns": TEMPLATE_HEADER})


@login_required
def lead_import_template(request):
    return csv_response(filename="leads-template", header=TEMPLATE_HEADER, rows=[])


@login_required
def lead_import_errors(request):
    """The last import's per-row errors as CSV (kept in the user's session, never anyone else's)."""
    errors = request.session.get(IMPORT_ERRORS_KEY)
    if errors is None:
        raise Http404
    return csv_response(filename="lead-import-errors", header=[_("行号"), _("字段"), _("问题")], rows=errors)


@login_required
def lead_convert_page(request, pk: int):
    lead = _changeable_lead(request, pk)
    if not lead.is_open:
        messages.error(request, _("该线索已关闭，不能再转化。"))
        return redirect("leads:detail", pk=lead.pk)
    candidates = conversion_matches(lead=lead, actor=request.user)
    form = ConvertForm(request.POST or None, initial={"opportunity_name": _("%(company)s 新商机") % {
        "company": lead.company or lead.name}})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = None
        if data["customer"]:
            customer = get_object_or_404(customer_list(user=request.user), pk=data["customer"])
        try:
            lead = lead_convert(lead=lead, actor=request.user, customer=customer,
                                opportunity_name=data["opportunity_name"], amount=data["amount"],
                                duplicate_override_reason=data["duplicate_override_reason"])
        except DuplicateSuspected as error:
            candidates = error.candidates
            form.add_error("duplicate_override_reason", error.message_dict["duplicate_override_reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已转化：客户“%(customer)s”，商机“%(opportunity)s”。") % {
                "customer": lead.customer.name, "opportunity": lead.opportunity.name})
            return redirect("pipeline:detail", pk=lead.opportunity_id)
    return render(request, "leads/convert.html", {"lead": lead, "form": form, "candidates": candidates})
