"""L1 intake shared by the public form and the public API: campaign lookups, abuse limits and turning
submitted fields into a LeadInput. Nothing here writes a lead; `services.lead_capture` does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from shangji.core.memo import config_cached
from shangji.core.ratelimit import rate_hits
from shangji.core.registry import setting
from shangji.leads.choices import LeadStatus
from shangji.leads.models import Campaign
from shangji.leads.services import UTM_KEYS, LeadInput

RATE_WINDOW_SECONDS = 60  # the limits are "per minute" settings
HONEYPOT_FIELD = "website"
TEXT_FIELDS = ("name", "company", "phone", "email", "title", "city", "industry", "need", "budget", "scale")


# ---------------------------------------------------------------------------------------------------------
# Campaign reads. Campaigns are not private: everyone signed in lists and opens them (the intake key is
# shown only to campaign managers by the pages and the API).


def campaign_list(*, user) -> QuerySet[Campaign]:
    """Every campaign with its lead and converted-lead counts (totals, not only the leads the user sees)."""
    return (Campaign.objects.select_related("industry", "created_by")
            .annotate(lead_count=Count("leads"),
                      converted_count=Count("leads", filter=Q(leads__status=LeadStatus.CONVERTED)))
            .order_by("-created_at", "-id"))


def campaign_get(*, user, pk: int) -> Campaign:
    return get_object_or_404(campaign_list(user=user), pk=pk)


def campaign_for_code(code: str) -> Campaign | None:
    return _campaigns().get(("code", code)) if code else None


def campaign_for_key(key: str) -> Campaign | None:
    return _campaigns().get(("key", key)) if key else None


@config_cached(Campaign)
def _campaigns() -> dict[tuple[str, str], Campaign]:
    """Every campaign by public code and by intake key, read once per process and cache lifetime: the public form
    and API look one up for every submission (a cache per submitted key would let random keys grow it without
    bound). A campaign closed in another process is refused within the cache's few seconds. Shared: read-only."""
    index: dict[tuple[str, str], Campaign] = {}
    for campaign in Campaign.objects.select_related("industry"):
        index[("code", campaign.code)] = campaign
        index[("key", campaign.intake_key)] = campaign
    return index


def campaign_links(campaign: Campaign, request) -> dict[str, str]:
    """Absolute URLs of the public form and its QR code images."""
    def absolute(name: str, *args) -> str:
        return request.build_absolute_uri(reverse(name, args=args))

    return {"form_url": absolute("public_leads:form", campaign.code),
            "qr_png_url": absolute("campaigns:qr_png", campaign.pk),
            "qr_svg_url": absolute("campaigns:qr_svg", campaign.pk)}


# ---------------------------------------------------------------------------------------------------------
# Abuse limits (L1)


def client_ip(request) -> str:
    # X-Forwarded-For is client-controlled unless a trusted proxy rewrites it: only REMOTE_ADDR counts.
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_limit_message(*, ip: str, campaign: Campaign | None) -> str | None:
    """Count one submission for the IP (and the campaign); a Chinese sentence when a limit is exceeded."""
    ip_bucket, campaign_bucket = f"leads.intake:ip:{ip}", f"leads.intake:campaign:{campaign.pk if campaign else 0}"
    limits = {ip_bucket: setting("leads.intake_ip_per_minute")}
    if campaign is not None:
        limits[campaign_bucket] = setting("leads.intake_campaign_per_minute")
    exceeded = rate_hits(limits, window_seconds=RATE_WINDOW_SECONDS)
    if ip_bucket[:120] in exceeded:
        return _("提交过于频繁，请稍后一分钟再试。")
    if exceeded:
        return _("该活动当前提交人数过多，请稍后一分钟再试。")
    return None


def body_too_large(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    limit = setting("leads.intake_max_body_kb") * 1024
    return declared > limit or len(request.body) > limit


def too_large_message() -> str:
    return _("提交内容过大（上限 %(limit)s KB）。") % {"limit": setting("leads.intake_max_body_kb")}


# ---------------------------------------------------------------------------------------------------------
# Parsing


@dataclass
class Parsed:
    data: LeadInput
    errors: dict[str, list[str]]
    honeypot: bool


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "是", "同意")
    return bool(value)


def lead_input(values: Mapping) -> Parsed:
    """Submitted fields (form POST or JSON object) → LeadInput. Type errors are collected per field; the
    service validates the content (required name, phone format, choices …)."""
    errors: dict[str, list[str]] = {}
    fields: dict = {}
    for key in TEXT_FIELDS:
        raw = values.get(key)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            errors[key] = [_("此项需要是文字。")]
            continue
        fields[key] = str(raw)
    for key in ("latitude", "longitude", "page_seconds"):
        raw = values.get(key)
        if raw not in (None, ""):
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                errors[key] = [_("此项需要是数字。")]
            else:
                fields[key] = raw
    downloads = values.get("downloads")
    if downloads not in (None, ""):
        if isinstance(downloads, bool) or not isinstance(downloads, str | int):
            errors["downloads"] = [_("此项需要是整数。")]
        else:
            fields["downloads"] = downloads
    fields["consent"] = _truthy(values.get("consent"))
    utm = {}
    for key in UTM_KEYS:
        raw = values.get(key)
        if raw in (None, ""):
            continue
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            errors[key] = [_("此项需要是文字。")]
        else:
            utm[key] = str(raw)
    fields["utm"] = utm
    custom = values.get("custom")
    if custom is not None and not isinstance(custom, dict):
        errors["custom"] = [_("自定义字段需要是对象，例如 {\"key\": \"值\"}。")]
    elif custom:
        fields["custom"] = custom
    honeypot = values.get(HONEYPOT_FIELD)
    return Parsed(data=LeadInput(**fields), errors=errors, honeypot=bool(honeypot and str(honeypot).strip()))
