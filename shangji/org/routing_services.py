"""Writes for lead routing (L4): territories (which team serves which city/region/industry) and the reps'
sales profiles (capacity, shift, leave, industry skills). Sales ops and admins only; every change is audited."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shangji.core.services import audit_record
from shangji.core.text import clean_text
from shangji.customers.models import Industry
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, SalesProfile, Territory, User

TERRITORY_FIELDS = ("name", "team", "region", "city", "industry", "is_active")


def _require_configurator(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.can_configure:
        raise PermissionDenied(_("只有销售运营和管理员可以配置线索分配。"))


def _territory_values(*, name, team, region, city, industry, is_active) -> dict:
    errors: dict[str, list[str]] = {}
    name = clean_text(name)[:60]
    if not name:
        errors["name"] = [_("请填写销售区域名称。")]
    if team is None:
        errors["team"] = [_("请选择负责团队。")]
    if region is not None and region.kind != UnitKind.REGION:
        errors["region"] = [_("“%(unit)s”不是大区，请选择一个大区。") % {"unit": region.name}]
    if city is not None and city.kind != UnitKind.CITY:
        errors["city"] = [_("“%(unit)s”不是地市，请选择一个地市。") % {"unit": city.name}]
    if "region" not in errors and "city" not in errors and region is not None and city is not None \
            and not city.path.startswith(region.path):
        errors["city"] = [_("地市“%(city)s”不属于大区“%(region)s”。") % {"city": city.name, "region": region.name}]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "team": team, "region": region, "city": city, "industry": industry,
            "is_active": bool(is_active)}


@transaction.atomic
def territory_create(*, actor, name: str, team: OrgUnit | None, region: OrgUnit | None = None,
                     city: OrgUnit | None = None, industry: Industry | None = None,
                     is_active: bool = True) -> Territory:
    _require_configurator(actor)
    values = _territory_values(name=name, team=team, region=region, city=city, industry=industry,
                               is_active=is_active)
    territory = Territory.objects.create(**values)
    audit_record(entity="territory", entity_id=territory.pk, action="created", actor=actor,
                 changes={key: (None, _text(value)) for key, value in values.items() if value not in (None, "")})
    return territory


@transaction.atomic
def territory_update(*, territory: Territory, actor, **changes) -> Territory:
    """Change any of name, team, region, city, industry, is_active (deactivate = is_active=False)."""
    _require_configurator(actor)
    unknown = set(changes) - set(TERRITORY_FIELDS)
    if unknown:
        raise ValidationError({key: [_("不能修改此字段。")] for key in sorted(unknown)})
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    current = {key: getattr(territory, key) for key in TERRITORY_FIELDS}
    values = _territory_values(**{**current, **changes})
    diff = {key: (_text(current[key]), _text(value)) for key, value in values.items() if current[key] != value}
    for key, value in values.items():
        setattr(territory, key, value)
    territory.save()
    if diff:
        audit_record(entity="territory", entity_id=territory.pk, action="updated", actor=actor, changes=diff)
    return territory


def _text(value) -> object:
    if isinstance(value, OrgUnit | Industry):
        return value.name
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def sales_profile_update(*, user: User, actor, accepts_leads: bool = True, lead_capacity: int | None = None,
                         work_start: time | None = None, work_end: time | None = None, work_days: str = "",
                         away_until: date | None = None, industries=()) -> SalesProfile:
    """Create or change a rep's sales profile. Blank capacity/hours/days fall back to the system settings."""
    _require_configurator(actor)
    errors: dict[str, list[str]] = {}
    if user.role != Role.REP:
        errors["user"] = [_("只有业务员有销售档案。")]
    if lead_capacity is not None and lead_capacity < 1:
        errors["lead_capacity"] = [_("在手线索上限至少为 1；留空则使用系统默认上限。")]
    if (work_start is None) != (work_end is None):
        errors["work_end"] = [_("上班时间和下班时间请同时填写，或同时留空使用系统设置。")]
    elif work_start is not None and work_end <= work_start:
        errors["work_end"] = [_("下班时间需要晚于上班时间。")]
    days = clean_text(work_days).replace(",", "").replace("，", "").replace(" ", "")
    if days and (any(d not in "1234567" for d in days) or len(set(days)) != len(days)):
        errors["work_days"] = [_("工作日请用 1–7 表示周一到周日（如 12345），每天只写一次。")]
    if errors:
        raise ValidationError(errors)
    days = "".join(sorted(days))
    industries = sorted(industries, key=lambda i: i.pk)
    profile, _created = SalesProfile.objects.select_for_update().get_or_create(user=user)
    values = {"accepts_leads": bool(accepts_leads), "lead_capacity": lead_capacity, "work_start": work_start,
              "work_end": work_end, "work_days": days, "away_until": away_until}
    diff = {key: (_text(getattr(profile, key)), _text(value)) for key, value in values.items()
            if getattr(profile, key) != value}
    before = sorted(profile.industries.all(), key=lambda i: i.pk)
    if [i.pk for i in before] != [i.pk for i in industries]:
        diff["industries"] = ("、".join(i.name for i in before), "、".join(i.name for i in industries))
    for key, value in values.items():
        setattr(profile, key, value)
    profile.save(update_fields=list(values))
    profile.industries.set(industries)
    if diff:
        audit_record(entity="sales_profile", entity_id=profile.pk, action="updated", actor=actor, changes=diff,
                     note=user.display_name)
    return profile
