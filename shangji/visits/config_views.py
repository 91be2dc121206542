"""/settings/visits/: what sales ops edit for field visits — the signal dictionary (V2), objection types and their
talk tracks (V6), the rewards points buy (V1). `can_configure` only; everyone else gets 403 and changes nothing.
Every write is a service call with its audit rows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.visits import services
from shangji.visits.config_forms import ObjectionForm, RewardForm, SignalKindForm, TalkTrackForm
from shangji.visits.models import ObjectionType, Reward, SignalKind, TalkTrack, VisitSignal
from shangji.visits.signals import extract
from shangji.web.pages import configurator, errors_onto_form

SAMPLE_MAX_CHARS = 2000  # the dictionary try-out box: a bound on one request, not a business rule


def _offset(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@configurator
def config_index(request):
    return redirect("visit_config:signals")


# ---------------------------------------------------------------------------------------------------------
# Signal dictionary (V2)


@configurator
def signal_list(request):
    kinds = list(SignalKind.objects.order_by("sequence", "id"))
    hits = dict(VisitSignal.objects.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    for kind in kinds:
        kind.hits = hits.get(kind.code, 0)
    sample = (request.GET.get("sample") or "")[:SAMPLE_MAX_CHARS]
    found = extract(sample, (), services.signal_rules()) if sample.strip() else None
    return render(request, "visits/config_signals.html", {"kinds": kinds, "sample": sample, "found": found,
                                                          "tab": "signals"})


@configurator
def signal_edit(request, pk: int | None = None):
    kind = get_object_or_404(SignalKind, pk=pk) if pk else None
    initial = ({"label": kind.label, "code": kind.code, "risk": kind.risk, "words": "\n".join(kind.words),
                "is_active": kind.is_active} if kind else {"is_active": True, "risk": "medium"})
    form = SignalKindForm(request.POST or None, initial=initial, editing=kind is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kind = services.signal_kind_save(actor=request.user, kind=kind, code=data.get("code") or "",
                                             label=data["label"], risk=data["risk"], words=data["words"],
                                             is_active=data["is_active"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存信号“%(label)s”，之后记录的拜访按新的词典识别。")
                             % {"label": kind.label})
            return redirect("visit_config:signals")
    return render(request, "visits/config_form.html", {
        "form": form, "tab": "signals", "back": "visit_config:signals",
        "title": _("编辑信号“%(label)s”") % {"label": kind.label} if kind else _("新建信号")})


@configurator
@require_POST
def signal_move(request, pk: int):
    services.signal_kind_move(actor=request.user, kind=get_object_or_404(SignalKind, pk=pk), offset=_offset(request))
    return redirect("visit_config:signals")


# ---------------------------------------------------------------------------------------------------------
# Objection types and talk tracks (V6)


@configurator
def objection_list(request):
    objections = ObjectionType.objects.prefetch_related("talk_tracks").annotate(
        logged=Count("visits", distinct=True)).order_by("sequence", "id")
    return render(request, "visits/config_objections.html", {"objections": objections, "tab": "objections"})


@configurator
def objection_edit(request, pk: int | None = None):
    objection = get_object_or_404(ObjectionType, pk=pk) if pk else None
    initial = {"name": objection.name, "is_active": objection.is_active} if objection else {"is_active": True}
    form = ObjectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            objection = services.objection_save(actor=request.user, objection=objection,
                                                name=form.cleaned_data["name"],
                                                is_active=form.cleaned_data["is_active"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存异议“%(name)s”。") % {"name": objection.name})
            return redirect(f"{_objections_url()}#objection-{objection.pk}")
    return render(request, "visits/config_form.html", {
        "form": form, "tab": "objections", "back": "visit_config:objections",
        "title": _("编辑异议“%(name)s”") % {"name": objection.name} if objection else _("新建客户异议")})


def _objections_url() -> str:
    return reverse("visit_config:objections")


@configurator
@require_POST
def objection_move(request, pk: int):
    objection = get_object_or_404(ObjectionType, pk=pk)
    services.objection_move(actor=request.user, objection=objection, offset=_offset(request))
    return redirect(f"{_objections_url()}#objection-{pk}")


@configurator
@require_POST
def objection_toggle(request, pk: int):
    objection = get_object_or_404(ObjectionType, pk=pk)
    objection = services.objection_save(actor=request.user, objection=objection, name=objection.name,
                                        is_active=request.POST.get("is_active") == "1")
    message = (_("已启用异议“%(name)s”。") if objection.is_active
               else _("已停用异议“%(name)s”：业务员不能再选择它，已记录的拜访保留。"))
    messages.success(request, message % {"name": objection.name})
    return redirect(f"{_objections_url()}#objection-{pk}")


@configurator
def talk_track_edit(request, objection_pk: int, pk: int | None = None):
    objection = get_object_or_404(ObjectionType, pk=objection_pk)
    track = get_object_or_404(TalkTrack, pk=pk, objection=objection) if pk else None
    form = TalkTrackForm(request.POST or None,
                         initial={"title": track.title, "answer": track.answer} if track else None)
    if request.method == "POST" and form.is_valid():
        try:
            track = services.talk_track_save(actor=request.user, objection=objection, track=track,
                                             title=form.cleaned_data["title"], answer=form.cleaned_data["answer"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存话术“%(title)s”。") % {"title": track.title})
            return redirect(f"{_objections_url()}#objection-{objection.pk}")
    title = (_("编辑话术“%(title)s”") % {"title": track.title} if track
             else _("为“%(objection)s”添加话术") % {"objection": objection.name})
    return render(request, "visits/config_form.html", {"form": form, "tab": "objections", "title": title,
                                                       "back": "visit_config:objections", "objection": objection})


@configurator
@require_POST
def talk_track_move(request, pk: int):
    track = get_object_or_404(TalkTrack, pk=pk)
    services.talk_track_move(actor=request.user, track=track, offset=_offset(request))
    return redirect(f"{_objections_url()}#objection-{track.objection_id}")


@configurator
@require_POST
def talk_track_delete(request, pk: int):
    track = get_object_or_404(TalkTrack, pk=pk)
    objection_id, title = track.objection_id, track.title
    services.talk_track_delete(actor=request.user, track=track)
    messages.success(request, _("已删除话术“%(title)s”。") % {"title": title})
    return redirect(f"{_objections_url()}#objection-{objection_id}")


# ---------------------------------------------------------------------------------------------------------
# Rewards (V1)


@configurator
def reward_list(request):
    return render(request, "visits/config_rewards.html", {"rewards": _rewards_with_counts(), "tab": "rewards"})


def _rewards_with_counts() -> list[Reward]:
    from shangji.visits.models import PointEntry

    rewards = list(Reward.objects.order_by("-is_active", "cost", "id"))
    counts = dict(PointEntry.objects.filter(reward__isnull=False).order_by().values_list("reward")
                  .annotate(n=Count("id")).values_list("reward", "n"))
    for reward in rewards:
        reward.redeemed = counts.get(reward.pk, 0)
    return rewards


@configurator
def reward_edit(request, pk: int | None = None):
    reward = get_object_or_404(Reward, pk=pk) if pk else None
    initial = ({"name": reward.name, "description": reward.description, "cost": reward.cost,
                "is_active": reward.is_active} if reward else {"is_active": True})
    form = RewardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reward = services.reward_save(actor=request.user, reward=reward, name=data["name"],
                                          description=data["description"], cost=data["cost"],
                                          is_active=data["is_active"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存奖励“%(name)s”。") % {"name": reward.name})
            return redirect("visit_config:rewards")
    return render(request, "visits/config_form.html", {
        "form": form, "tab": "rewards", "back": "visit_config:rewards",
        "title": _("编辑奖励“%(name)s”") % {"name": reward.name} if reward else _("新建奖励")})
