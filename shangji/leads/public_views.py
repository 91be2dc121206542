"""The public side of L1: the phone form behind a campaign's QR code and the tracked nurture links (L6).

No login. Nothing here shows who got the lead, its score or any other internal data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from shangji.core.errors import error_dict
from shangji.leads import intake
from shangji.leads.choices import CampaignStatus, Source
from shangji.leads.forms_campaign import PublicLeadForm
from shangji.leads.nurture import nurture_click
from shangji.leads.services import UTM_KEYS, CampaignClosed, lead_capture


def _missing(request):
    return render(request, "leads/public_missing.html", status=404)


def _closed(request, campaign):
    return render(request, "leads/public_closed.html", {"campaign": campaign}, status=410)


def _form_values(form: PublicLeadForm) -> dict:
    values = {key: form.data.get(key, "") for key in (*intake.TEXT_FIELDS, *UTM_KEYS, intake.HONEYPOT_FIELD)}
    seconds = str(form.data.get("page_seconds", "")).strip()
    # The dwell time comes from a script; a tampered value is dropped rather than shown as an error.
    values["page_seconds"] = seconds if seconds.isdigit() and len(seconds) <= 6 else None
    values["consent"] = form.cleaned_data.get("consent", False)
    return values


@never_cache
def public_form(request, code: str):
    campaign = intake.campaign_for_code(code)
    if campaign is None:
        return _missing(request)
    if campaign.status != CampaignStatus.ACTIVE:
        return _closed(request, campaign)
    status = 200
    if request.method == "POST":
        form = PublicLeadForm(request.POST)
        limited = intake.rate_limit_message(ip=intake.client_ip(request), campaign=campaign)
        if limited:
            form.is_valid()
            form.errors.clear()
            form.add_error(None, limited)
            status = 429
        elif request.POST.get(intake.HONEYPOT_FIELD, "").strip():
            return redirect("public_leads:thanks", code=campaign.code)
        elif form.is_valid():
            parsed = intake.lead_input(_form_values(form))
            try:
                lead_capture(source=Source.FORM, campaign=campaign, data=parsed.data, defer=True)
            except CampaignClosed:
                return _closed(request, campaign)
            except ValidationError as error:
                for field, messages in error_dict(error).items():
                    form.add_error(field if field in form.fields and not form.fields[field].widget.is_hidden
                                   else None, messages)
                status = 400
            else:
                return redirect("public_leads:thanks", code=campaign.code)
        else:
            status = 400
    else:
        # UTM parameters of the QR code's link ride along in hidden fields (L1: source and UTM kept).
        form = PublicLeadForm(initial={key: request.GET.get(key, "")[:200] for key in UTM_KEYS})
    return render(request, "leads/public_form.html", {"campaign": campaign, "form": form}, status=status)


def public_thanks(request, code: str):
    campaign = intake.campaign_for_code(code)
    if campaign is None:
        return _missing(request)
    return render(request, "leads/public_thanks.html", {"campaign": campaign})


def public_nurture_click(request, token: str, position: int):
    """A click on a nurture e-mail's link (L6): counts as engagement, then goes on to the content."""
    with transaction.atomic():
        url = nurture_click(token=token, position=position)
    if not url:
        raise Http404(_("链接已失效。"))
    return redirect(url)
