"""/settings/routing/: lead routing configuration (L4) — territories, the reps' sales profiles, and a dry run of
the assignment chain. Sales ops and admins (`can_configure`) only; everyone else gets 403 and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.leads.assignment import capacity_of, decide, on_shift, route
from shangji.leads.choices import LeadStatus
from shangji.leads.models import Lead
from shangji.org import routing_services as services
from shangji.org.choices import Role, UnitKind
from shangji.org.forms import DryRunForm, SalesProfileForm, TerritoryForm
from shangji.org.models import SalesProfile, Territory, User
from shangji.web.pages import configurator, errors_onto_form


def _territories():
    return Territory.objects.select_related("team", "region", "city", "industry").order_by("-is_active", "name", "id")


def _rep_rows(user) -> list[dict]:
    """Every active rep with their profile (or none yet), open-lead count and whether they are on shift now."""
    reps = list(User.objects.filter(role=Role.REP, is_active=True).select_related("org_unit")
                .order_by("org_unit__path", "username"))
    profiles = {p.user_id: p for p in SalesProfile.objects.filter(user__in=reps).prefetch_related("industries")}
    open_counts = dict(Lead.objects.visible_to(user).filter(
        owner__in=reps, status__in=(LeadStatus.ASSIGNED, LeadStatus.CONTACTED)).order_by()
        .values_list("owner").annotate(n=Count("id")).values_list("owner", "n"))
    now = timezone.now()
    return [{"user": rep, "profile": profiles.get(rep.pk), "open_leads": open_counts.get(rep.pk, 0),
             "capacity": capacity_of(profiles.get(rep.pk)), "on_shift": on_shift(profiles.get(rep.pk), now),
             "industries": [i.name for i in profiles[rep.pk].industries.all()] if rep.pk in profiles else []}
            for rep in reps]


@configurator
def routing_index(request):
    return render(request, "org/territory_list.html", {
        "territories": _territories(), "reps": _rep_rows(request.user), "dry_run_form": DryRunForm(),
    })


@configurator
def territory_edit(request, pk: int | None = None):
    territory = get_object_or_404(Territory, pk=pk) if pk else None
    initial = {"is_active": True}
    if territory:
        initial = {"name": territory.name, "team": territory.team_id, "region": territory.region_id,
                   "city": territory.city_id, "industry": territory.industry_id, "is_active": territory.is_active}
    form = TerritoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if territory:
                services.territory_update(territory=territory, actor=request.user, **form.cleaned_data)
            else:
                territory = services.territory_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存销售区域“%(name)s”。") % {"name": territory.name})
            return redirect("routing:index")
    return render(request, "org/territory_form.html", {
        "form": form, "territory": territory, "title": _("编辑销售区域") if territory else _("新建销售区域")})


@configurator
@require_POST
def territory_toggle(request, pk: int):
    territory = get_object_or_404(Territory, pk=pk)
    services.territory_update(territory=territory, actor=request.user, is_active=not territory.is_active)
    if territory.is_active:
        messages.success(request, _("已停用销售区域“%(name)s”。") % {"name": territory.name})
    else:
        messages.success(request, _("已启用销售区域“%(name)s”。") % {"name": territory.name})
    return redirect("routing:index")


@configurator
def profile_edit(request, user_pk: int):
    rep = get_object_or_404(User.objects.select_related("org_unit"), pk=user_pk, role=Role.REP)
    profile = SalesProfile.objects.filter(user=rep).prefetch_related("industries").first()
    initial = {"accepts_leads": True}
    if profile:
        initial = {"accepts_leads": profile.accepts_leads, "lead_capacity": profile.lead_capacity,
                   "work_start": profile.work_start, "work_end": profile.work_end, "work_days": profile.work_days,
                   "away_until": profile.away_until, "industries": list(profile.industries.all())}
    form = SalesProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_profile_update(user=rep, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存 %(name)s 的销售档案。") % {"name": rep.display_name})
            return redirect("routing:index")
    return render(request, "org/profile_form.html", {"form": form, "rep": rep, "profile": profile})


@configurator
def dry_run(request):
    """试算: which team and rep the chain would pick right now for a lead from this city/region/industry.
    The lead is never saved and nothing else is written."""
    form = DryRunForm(request.GET)
    decision, now = None, timezone.now()
    if form.is_valid():
        data = form.cleaned_data
        city, region = data["city"], data["region"]
        if city is not None and region is None and city.parent and city.parent.kind == UnitKind.REGION:
            region = city.parent
        probe = Lead(city=city, region=region, industry=data["industry"])
        decision = decide(probe, now=now, routed=route(probe, fresh=True))
    return render(request, "org/territory_dry_run.html", {"form": form, "decision": decision, "now": now})
