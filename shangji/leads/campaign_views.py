"""Campaign pages (L1): list, create/edit, detail with the short link, QR code and intake key, close/reopen.

Everyone signed in lists and opens campaigns; only campaign managers (marketing, sales ops, director, admin)
change them and see the intake key."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.errors import error_dict
from shangji.leads import intake, qr
from shangji.leads.choices import CampaignStatus
from shangji.leads.forms_campaign import CampaignForm
from shangji.leads.services import campaign_create, campaign_update, can_manage_campaigns

PAGE_SIZE = 25
FIELDS = ("name", "channel", "industry", "description", "starts_on", "ends_on", "cost")


def _require_manager(request) -> None:
    if not can_manage_campaigns(request.user):
        raise PermissionDenied(_("只有市场、销售运营、销售总监和管理员可以管理市场活动。"))


def _form_errors(form, error: ValidationError) -> None:
    for field, messages_ in error_dict(error).items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def campaign_list_page(request):
    campaigns = intake.campaign_list(user=request.user)
    status = request.GET.get("status", "")
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "leads/campaign_list.html", {
        "page": page, "status": status, "statuses": CampaignStatus.choices,
        "can_manage": can_manage_campaigns(request.user)})


@login_required
def campaign_create_page(request):
    _require_manager(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(actor=request.user, **{key: form.cleaned_data[key] for key in FIELDS})
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已创建市场活动，二维码和表单链接已生成。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "leads/campaign_form.html", {"form": form, "cancel_url": reverse("campaigns:list")})


@login_required
def campaign_edit_page(request, pk: int):
    _require_manager(request)
    campaign = intake.campaign_get(user=request.user, pk=pk)
    form = CampaignForm(request.POST or None, initial={key: getattr(campaign, key) for key in FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            campaign_update(campaign=campaign, actor=request.user, **{key: form.cleaned_data[key] for key in FIELDS})
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "leads/campaign_form.html", {
        "form": form, "campaign": campaign, "cancel_url": reverse("campaigns:detail", args=[campaign.pk])})


def curl_example(*, api_url: str, key: str) -> str:
    body = {"name": "黄先生", "company": "上海精工机械有限公司", "phone": "13800138000", "city": "上海",
            "need": "想了解 ERP 与 MES 对接方案", "consent": True, "utm_source": "partner"}
    return (f"curl -X POST '{api_url}' \\\n"
            f"  -H 'Content-Type: application/json' \\\n"
            f"  -H 'X-Campaign-Key: {key}' \\\n"
            f"  -H 'Idempotency-Key: partner-order-10001' \\\n"
            f"  -d '{json.dumps(body, ensure_ascii=False)}'")


@login_required
def campaign_detail_page(request, pk: int):
    campaign = intake.campaign_get(user=request.user, pk=pk)
    links = intake.campaign_links(campaign, request)
    can_manage = can_manage_campaigns(request.user)
    context = {"campaign": campaign, "links": links, "can_manage": can_manage,
               # segno writes the SVG from the URL alone (the title is XML-escaped): safe to embed.
               "qr_svg": mark_safe(qr.qr_svg_inline(links["form_url"]))}  # noqa: S308
    if can_manage:
        context["curl"] = curl_example(api_url=request.build_absolute_uri(reverse("api:lead_intake")),
                                       key=campaign.intake_key)
    return render(request, "leads/campaign_detail.html", context)


@login_required
@require_POST
def campaign_set_status(request, pk: int):
    """Close or reopen. The wanted status is explicit, so a double click cannot undo itself."""
    _require_manager(request)
    campaign = intake.campaign_get(user=request.user, pk=pk)
    wanted = request.POST.get("status")
    if wanted not in CampaignStatus.values:
        return HttpResponseBadRequest(_("状态无效。"))
    if wanted != campaign.status:
        campaign_update(campaign=campaign, actor=request.user, status=wanted)
        messages.success(request, _("活动已结束，表单不再接收线索。") if wanted == CampaignStatus.CLOSED
                         else _("活动已重新开启。"))
    return redirect("campaigns:detail", pk=campaign.pk)


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def campaign_qr_png(request, pk: int):
    campaign = intake.campaign_get(user=request.user, pk=pk)
    url = intake.campaign_links(campaign, request)["form_url"]
    return _download(qr.qr_png(url), content_type="image/png", filename=f"campaign-{campaign.code}.png")


@login_required
def campaign_qr_svg(request, pk: int):
    campaign = intake.campaign_get(user=request.user, pk=pk)
    url = intake.campaign_links(campaign, request)["form_url"]
    return _download(qr.qr_svg_file(url), content_type="image/svg+xml", filename=f"campaign-{campaign.code}.svg")
