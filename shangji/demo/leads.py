"""The demo company's leads engine: territories, sales profiles, campaigns, a nurture sequence, half a year of
closed leads (so the predictive model has history to learn from) and this week's open leads, captured through the
real path (tagging, scoring, assignment, notifications)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from shangji.core.models import AuditEntry
from shangji.customers.models import Industry
from shangji.demo.org import CITIES, DemoOrg, team_names
from shangji.leads.choices import Budget, Channel, LeadStatus, Source
from shangji.leads.models import Campaign, Lead, LeadTouch, NurtureSequence, NurtureStep
from shangji.leads.score import scoring_model_train
from shangji.leads.services import LeadInput, campaign_create, lead_capture, lead_touch
from shangji.org.choices import Role
from shangji.org.models import OrgUnit, SalesProfile, Territory, User
from shangji.pipeline.models import Opportunity

CAMPAIGNS = [("2026 上海国际工业博览会", Channel.EXHIBITION, "制造业",
              "扫码留下您的需求，展后 24 小时内专属顾问联系您。"),
             ("官网在线咨询", Channel.WEBSITE, None, "填写需求，顾问一个工作日内回电。"),
             ("《制造业数字化白皮书》下载", Channel.ADS, "制造业", "留下联系方式即可下载白皮书。"),
             ("老客户转介绍", Channel.REFERRAL, None, "")]
NEEDS = ["想升级现有ERP系统，和MES对接，希望先试用", "仓储管理混乱，需要WMS和条码方案，请尽快报价",
         "连锁门店需要会员和进销存一体化系统", "冷链物流温控追溯方案选型，今年有预算", "医院耗材管理数字化，想了解案例",
         "工厂设备联网和能耗监测，想做试点", "只是了解一下价格", "需要CRM管理销售团队，三十人左右", ""]
PEOPLE = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
COMPANY_WORDS = ["精工", "恒瑞", "华信", "博远", "新能", "瑞丰", "中科", "海达", "金诚", "启航"]
HISTORY_DAYS = 180  # closed leads of the last half year
BUSINESS = {"制造业": "机械制造", "零售与连锁": "商贸", "医疗器械": "医疗器械", "物流": "供应链管理",
            "教育": "教育科技"}


def load_leads(*, org: DemoOrg, rng: random.Random, now: datetime) -> int:
    """Everything above, once (a company that already has campaigns is left alone). Returns the leads created."""
    if Campaign.objects.exists():
        return 0
    industries = {industry.name: industry for industry in Industry.objects.all()}
    _territories(industries)
    _profiles(org, rng, industries, now)
    marketing = org.users["marketing_1"]
    campaigns = [campaign_create(actor=marketing, name=name, channel=channel, industry=industries.get(industry),
                                 description=description, cost=Decimal(rng.choice([20000, 50000, 120000])))
                 for name, channel, industry, description in CAMPAIGNS]
    _backdate(campaigns, now - timedelta(days=HISTORY_DAYS + 1))
    sequence = NurtureSequence.objects.create(name="低意向线索培育：白皮书 → 案例", channel="email", created_at=now)
    NurtureStep.objects.create(sequence=sequence, position=1, delay_days=0, subject="《制造业数字化白皮书》",
                               body="您好，附上我们整理的白皮书，供您参考。", content_url="https://example.com/whitepaper")
    NurtureStep.objects.create(sequence=sequence, position=2, delay_days=3, subject="客户案例：汽车零部件厂 MES 上线",
                               body="同行是怎么做的？", content_url="https://example.com/case")
    closed = _history(rng, campaigns, industries, now)
    scoring_model_train(now=now)
    return closed + _this_week(rng, campaigns, industries, now)


def _backdate(campaigns: list[Campaign], moment: datetime) -> None:
    """The campaigns ran before the half year of leads they brought: created (and so recorded) then."""
    ids = [campaign.pk for campaign in campaigns]
    Campaign.objects.filter(pk__in=ids).update(created_at=moment, updated_at=moment)
    AuditEntry.objects.filter(entity="campaign", entity_id__in=ids, action="created").update(at=moment)
    for campaign in campaigns:
        campaign.created_at = campaign.updated_at = moment


def _territories(industries: dict[str, Industry]) -> None:
    for city in CITIES:
        unit = OrgUnit.objects.get(name=city.name, kind="city")
        first, *others = team_names(city)
        Territory.objects.create(name=city.name, city=unit, team=OrgUnit.objects.get(name=first))
        if others and "制造业" in industries:  # the second team specialises in manufacturing leads
            Territory.objects.create(name=f"{city.name}·制造业", city=unit, industry=industries["制造业"],
                                     team=OrgUnit.objects.get(name=others[0]))


def _profiles(org: DemoOrg, rng: random.Random, industries: dict[str, Industry], now: datetime) -> None:
    coordinates = {OrgUnit.objects.get(name=c.name, kind="city").pk: (c.latitude, c.longitude) for c in CITIES}
    reps = User.objects.filter(role=Role.REP, pk__in=[u.pk for u in org.users.values()]).select_related("org_unit")
    for rep in reps:
        city_id = rep.org_unit.parent_id
        lat, lon = coordinates.get(city_id, (None, None))
        profile = SalesProfile.objects.create(
            user=rep, lead_capacity=rng.choice([None, 20, 40]),
            last_latitude=None if lat is None else Decimal(f"{lat + rng.uniform(-0.15, 0.15):.6f}"),
            last_longitude=None if lon is None else Decimal(f"{lon + rng.uniform(-0.15, 0.15):.6f}"),
            last_located_at=now - timedelta(hours=rng.randint(1, 6)))
        profile.industries.set(rng.sample(list(industries.values()), k=min(2, len(industries))))


def _person(rng: random.Random) -> str:
    return rng.choice(PEOPLE) + rng.choice(["先生", "女士", "经理", "总"])


def _history(rng: random.Random, campaigns: list[Campaign], industries: dict[str, Industry], now: datetime) -> int:
    """Closed leads of the last half year, bulk-written: conversion depends on industry, budget and channel."""
    names = list(industries)
    teams = {city.name: OrgUnit.objects.get(name=team_names(city)[0]) for city in CITIES}
    units = {unit.name: unit for unit in OrgUnit.objects.filter(kind="city", name__in=teams).select_related("parent")}
    reps = {name: list(User.objects.filter(role=Role.REP, org_unit=team)) for name, team in teams.items()}
    cities = [units[name] for name in teams if reps[name]]
    budgets = [b for b in Budget.values if b]
    rows = []
    for i in range(900):
        campaign = rng.choice(campaigns)
        industry = rng.choice(names)
        budget = rng.choice(budgets + [""])
        chance = (0.10 + 0.25 * (industry == "制造业") + 0.08 * budgets.index(budget) if budget else 0.05) \
            + (0.15 if campaign.channel == Channel.REFERRAL else 0)
        converted = rng.random() < chance
        city = rng.choice(cities)
        created = now - timedelta(days=HISTORY_DAYS) + timedelta(hours=i * 4.5)
        assigned = created + timedelta(minutes=rng.randint(0, 3))
        company = f"{rng.choice(COMPANY_WORDS)}{BUSINESS.get(industry, '科技')}有限公司"
        rows.append(Lead(name=_person(rng), company=company,
                         phone=f"139{rng.randint(10**7, 10**8 - 1)}", source=Source.FORM, campaign=campaign,
                         channel=campaign.channel, industry=industries[industry], budget=budget, city=city,
                         region=city.parent, team=teams[city.name], owner=rng.choice(reps[city.name]),
                         assigned_at=assigned, assignment_reason=f"销售区域“{city.name}”→ {teams[city.name].name}",
                         status=LeadStatus.CONVERTED if converted else LeadStatus.ARCHIVED,
                         archive_reason="" if converted else rng.choice(["no_need", "unreachable", "competitor"]),
                         converted_at=created + timedelta(days=rng.randint(3, 30)) if converted else None,
                         first_contact_at=assigned + timedelta(minutes=rng.choice([2, 5, 9, 14, 25, 45, 120, 600])),
                         created_at=created, updated_at=created, last_progress_at=created))
    _link_conversions(rng, [lead for lead in rows if lead.converted_at])
    Lead.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _link_conversions(rng: random.Random, converted: list[Lead]) -> None:
    """Each converted lead becomes one of its rep's deals opened within a month after it arrived (its customer and
    conversion time follow), so the report's last funnel step (赢单) reads real stages; a lead with no such deal
    stays converted without one. One small query per lead: a benchmark company has a million deals."""
    taken: set[int] = set()
    for lead in converted:
        window = list(Opportunity.objects.filter(
            owner_id=lead.owner_id, created_at__gte=lead.created_at + timedelta(days=1),
            created_at__lte=lead.created_at + timedelta(days=30)).exclude(pk__in=taken)
            .order_by("created_at", "pk").values_list("pk", "customer_id", "created_at")[:20])
        if window:
            deal, customer, opened = rng.choice(window)
            taken.add(deal)
            lead.opportunity_id, lead.customer_id, lead.converted_at = deal, customer, opened


def _this_week(rng: random.Random, campaigns: list[Campaign], industries: dict[str, Industry], now: datetime) -> int:
    """Open leads through the real capture path, at office hours of the last few working days."""
    local = timezone.localtime(now)
    moments = []
    day = local
    while len(moments) < 40:
        day -= timedelta(days=1)
        if day.isoweekday() <= 5:
            moments += [day.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)
                        for hour in (9, 10, 11, 13, 14, 15, 16, 17)]
    cities = [c.name for c in CITIES]
    for moment in sorted(moments)[-40:]:
        campaign = rng.choice(campaigns)
        industry = rng.choice(list(industries))
        company = rng.choice(["", f"{rng.choice(COMPANY_WORDS)}{BUSINESS.get(industry, '科技')}有限公司"])
        lead, _ = lead_capture(source=Source.FORM, campaign=campaign, now=moment, data=LeadInput(
            name=_person(rng), company=company,
            phone=rng.choice([f"138{rng.randint(10**7, 10**8 - 1)}", "1380013"]), city=rng.choice(cities),
            industry=industry, budget=rng.choice(["", "lt10", "10-50", "50-100", "gt100"]), need=rng.choice(NEEDS),
            consent=True, page_seconds=rng.choice([None, 15, 90, 240]), downloads=rng.choice([0, 0, 1])))
        if lead.owner_id and rng.random() < 0.7:  # most were called back; keep when it happened
            lead_touch(lead=lead, actor=lead.owner, kind=rng.choice(["call", "wechat"]), note="已初步沟通需求")
            contacted = moment + timedelta(minutes=rng.choice([3, 8, 25, 70, 300]))
            Lead.objects.filter(pk=lead.pk).update(first_contact_at=contacted, last_progress_at=contacted)
            LeadTouch.objects.filter(lead=lead).update(at=contacted)
    return 40
