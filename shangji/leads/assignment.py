"""L4: who gets a lead, decided by a configurable chain, with every step's reason kept.

1. Territory → team: the most specific active territory (city > region, industry match first); without one,
   the org tree itself (company → region → city → team) routes by the lead's city, then region.
2. Within the team, the steps named in the setting ``leads.assignment_chain`` narrow the reps in order:
   shift (on duty, not on leave), capacity (open leads below the limit), skill (industry), distance (to the
   rep's last check-in), load (fewest open leads), round_robin (longest since their last lead).
   If shift or capacity leaves nobody, the lead waits in the team's queue and the manager is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.geo import distance_m
from shangji.core.memo import config_cached
from shangji.core.registry import setting
from shangji.leads.choices import LeadStatus
from shangji.leads.models import Lead
from shangji.org.choices import Role
from shangji.org.models import OrgUnit, SalesProfile, Territory, User

STEPS = ("shift", "capacity", "skill", "distance", "load", "round_robin")
_BLOCKING = {"shift", "capacity"}  # steps that may leave nobody (the others only prefer)


@dataclass
class Candidate:
    user: User
    profile: SalesProfile | None
    open_leads: int = 0
    distance_km: float | None = None
    last_lead_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.user.display_name


@dataclass
class Decision:
    owner: User | None
    team: OrgUnit | None
    reason: str
    steps: list[dict] = field(default_factory=list)


def chain() -> list[str]:
    return [step.strip() for step in setting("leads.assignment_chain").split(",") if step.strip() in STEPS]


@config_cached(Territory, OrgUnit)
def active_territories() -> tuple[Territory, ...]:
    return tuple(Territory.objects.filter(is_active=True).select_related("team"))


def route(lead: Lead, *, fresh: bool = False) -> tuple[OrgUnit | None, str]:
    """The team (or org unit) serving the lead, and why. `fresh`: read the territories now, not the cached copy."""
    candidates = active_territories.uncached() if fresh else active_territories()
    territories = [t for t in candidates if t.city_id in (None, lead.city_id)
                   and t.region_id in (None, lead.region_id) and t.industry_id in (None, lead.industry_id)]
    if territories:
        best = max(territories, key=lambda t: (t.specificity, -t.pk))
        return best.team, _("销售区域“%(territory)s”→ %(team)s") % {"territory": best.name, "team": best.team.name}
    for unit, label in ((lead.city, _("地市")), (lead.region, _("大区"))):
        if unit is not None:
            return unit, _("无匹配的销售区域，按%(level)s“%(unit)s”分配") % {"level": label, "unit": unit.name}
    return None, _("无匹配的销售区域，在全公司分配")


def decide(lead: Lead, *, exclude: tuple[int, ...] = (), now: datetime | None = None,
           routed: tuple[OrgUnit | None, str] | None = None, pools: Pools | None = None) -> Decision:
    """Who gets the lead. `pools`: the candidates of a worker's batch, already loaded under the units' locks."""
    now = now or timezone.now()
    team, routed = routed or route(lead)
    candidates = pools.of(team) if pools is not None else _candidates(list(_reps(team, exclude)))
    steps = [{"step": "territory", "text": routed, "kept": len(candidates)}]
    if not candidates:
        text = _("%(route)s；该范围内没有可接收线索的销售，进入待分配队列") % {"route": routed}
        return Decision(None, team, text, steps)
    for c in candidates:
        c.distance_km = None  # per lead (a pool's candidates serve every lead of the batch)
    for step in chain():
        kept, text = _STEP_FUNCTIONS[step](candidates, lead, now)
        if text:  # a step with nothing to say (no industry, no location) changed nothing
            steps.append({"step": step, "text": text, "kept": len(kept)})
        if not kept:
            return Decision(None, team, f"{routed}；{text}", steps)
        candidates = kept
        if len(candidates) == 1 and step not in _BLOCKING:
            break
    winner = min(candidates, key=lambda c: c.user.pk)
    told = [s["text"] for s in steps[1:] if s["text"]]
    reason = "；".join([routed, *told, _("分配给 %(name)s") % {"name": winner.name}])
    return Decision(winner.user, team, reason[:500], steps)


def _reps(team: OrgUnit | None, exclude: tuple[int, ...]):
    reps = (User.objects.filter(is_active=True, role=Role.REP).exclude(pk__in=exclude)
            .select_related("org_unit", "sales_profile"))
    return reps.filter(org_unit__path__startswith=team.path) if team is not None else reps


class Pools:
    """The candidates of a worker's batch of leads, read once per routed unit (under the units' locks, taken by the
    caller). A rep in several units is one Candidate, and every decision updates it in memory (one more open lead,
    the time of their last lead), so a batch decides exactly as one-by-one processing would."""

    def __init__(self) -> None:
        self._units: dict[int | None, list[Candidate]] = {}
        self._reps: dict[int, Candidate | None] = {}  # None: a rep who does not accept leads

    def of(self, team: OrgUnit | None) -> list[Candidate]:
        key = team.pk if team is not None else None
        if key not in self._units:
            users = list(_reps(team, ()))
            new = [user for user in users if user.pk not in self._reps]
            accepted = {c.user.pk: c for c in _candidates(new)}
            self._reps.update({user.pk: accepted.get(user.pk) for user in new})
            self._units[key] = [c for c in (self._reps[user.pk] for user in users) if c is not None]
        return list(self._units[key])

    def assigned(self, user_id: int, at: datetime) -> None:
        candidate = self._reps.get(user_id)
        if candidate is not None:
            candidate.open_leads += 1
            candidate.last_lead_at = at


def _profile(user: User) -> SalesProfile | None:
    try:
        return user.sales_profile
    except SalesProfile.DoesNotExist:
        return None


def _candidates(users: list[User]) -> list[Candidate]:
    """Reps who accept leads (a rep without a sales profile does), with their open-lead counts."""
    counts = dict(Lead.objects.filter(owner__in=users, status__in=(LeadStatus.ASSIGNED, LeadStatus.CONTACTED))
                  .values_list("owner").annotate(n=Count("id")).values_list("owner", "n"))
    candidates = []
    for user in users:
        profile = _profile(user)
        candidates.append(Candidate(user, profile, counts.get(user.pk, 0),
                                    last_lead_at=profile.last_lead_at if profile else None))
    return [c for c in candidates if c.profile is None or c.profile.accepts_leads]


def _setting_clock(key: str) -> time:
    """A "09:00"-style time setting; a malformed value counts as the whole day open rather than nobody on shift."""
    try:
        hours, minutes = str(setting(key)).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        return time.min if key.endswith("start") else time.max


def on_shift(profile: SalesProfile | None, now: datetime) -> bool:
    local = timezone.localtime(now)
    if profile is not None and profile.away_until and local.date() <= profile.away_until:
        return False
    days = (profile.work_days if profile and profile.work_days else setting("leads.work_days"))
    start = profile.work_start if profile and profile.work_start else _setting_clock("leads.work_start")
    end = profile.work_end if profile and profile.work_end else _setting_clock("leads.work_end")
    return str(local.isoweekday()) in days and start <= local.time() < end


def _shift(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    kept = [c for c in candidates if on_shift(c.profile, now)]
    if not kept:
        return kept, _("%(n)s 名销售均不在岗（非工作时间或休假），进入待分配队列") % {"n": len(candidates)}
    return kept, _("在岗 %(n)s 人") % {"n": len(kept)}


def capacity_of(profile: SalesProfile | None) -> int:
    return profile.lead_capacity if profile and profile.lead_capacity else setting("leads.default_capacity")


def _capacity(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    kept = [c for c in candidates if c.open_leads < capacity_of(c.profile)]
    if not kept:
        return kept, _("%(n)s 名销售的在手线索均已满额，进入待分配队列") % {"n": len(candidates)}
    return kept, _("未满额 %(n)s 人") % {"n": len(kept)}


def _skill(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    if lead.industry_id is None:
        return candidates, ""
    prefetch_related_objects([c.profile for c in candidates if c.profile], "industries")
    kept = [c for c in candidates if c.profile and any(i.pk == lead.industry_id for i in c.profile.industries.all())]
    if not kept:
        return candidates, _("无人擅长%(industry)s，不按行业筛选") % {"industry": lead.industry.name}
    return kept, _("擅长%(industry)s %(n)s 人") % {"industry": lead.industry.name, "n": len(kept)}


def _distance(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    if lead.latitude is None or lead.longitude is None:
        return candidates, ""
    fresh_after = now - timedelta(hours=setting("leads.location_max_age_hours"))
    for c in candidates:
        p = c.profile
        if p and p.last_latitude is not None and p.last_longitude is not None and p.last_located_at \
                and p.last_located_at >= fresh_after:
            c.distance_km = distance_m(lead.latitude, lead.longitude, p.last_latitude, p.last_longitude) / 1000
    located = [c for c in candidates if c.distance_km is not None]
    if not located:
        return candidates, _("无人有近期签到位置，不按距离筛选")
    nearest = min(c.distance_km for c in located)
    kept = [c for c in located if c.distance_km <= nearest + setting("leads.distance_tolerance_km")]
    names = "、".join(f"{c.name} {c.distance_km:.1f} km" for c in sorted(kept, key=lambda c: c.distance_km)[:3])
    return kept, _("距离最近：%(names)s") % {"names": names}


def _load(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    fewest = min(c.open_leads for c in candidates)
    kept = [c for c in candidates if c.open_leads == fewest]
    return kept, _("在手线索最少（%(n)s 条）%(people)s 人") % {"n": fewest, "people": len(kept)}


def _round_robin(candidates: list[Candidate], lead: Lead, now: datetime) -> tuple[list[Candidate], str]:
    def last(c: Candidate) -> datetime:
        return c.last_lead_at or datetime.min.replace(tzinfo=now.tzinfo)

    winner = min(candidates, key=lambda c: (last(c), c.user.pk))
    return [winner], (_("轮流：%(name)s 最久未分得线索") % {"name": winner.name} if len(candidates) > 1 else "")


_STEP_FUNCTIONS = {"shift": _shift, "capacity": _capacity, "skill": _skill, "distance": _distance, "load": _load,
                   "round_robin": _round_robin}
