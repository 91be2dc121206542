"""The demo company (O1): 华信智造集团 → 3 regions → 11 cities → teams, ~40 users, a product catalogue.

Everything here is get-or-create, so `ensure_org` both builds the company on an empty database
and loads it when it already exists (a second `seed --customers N` adds records to it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from shangji.demo.names import person_name
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, User
from shangji.org.services import org_unit_create, user_create
from shangji.pipeline.models import Product

COMPANY = "华信智造集团"
PASSWORD = "shangji-demo"
EMAIL_DOMAIN = "huaxin.example.com"


@dataclass(frozen=True)
class CitySpec:
    name: str
    division: str  # GB/T 2260 code of a district, for credit codes registered there
    region: str
    province: str  # full form as registered names write it; "" for municipalities
    area_code: str
    latitude: float
    longitude: float
    weight: int  # share of customers
    teams: int


CITIES: tuple[CitySpec, ...] = (
    # name, division, region, province, area code, latitude, longitude, weight, teams
    CitySpec("上海", "310115", "华东大区", "", "021", 31.2304, 121.4737, 16, 2),
    CitySpec("杭州", "330108", "华东大区", "浙江省", "0571", 30.2741, 120.1551, 10, 2),
    CitySpec("南京", "320115", "华东大区", "江苏省", "025", 32.0603, 118.7969, 8, 1),
    CitySpec("苏州", "320505", "华东大区", "江苏省", "0512", 31.2990, 120.5853, 9, 1),
    CitySpec("宁波", "330212", "华东大区", "浙江省", "0574", 29.8683, 121.5440, 6, 1),
    CitySpec("广州", "440106", "华南大区", "广东省", "020", 23.1291, 113.2644, 12, 2),
    CitySpec("深圳", "440305", "华南大区", "广东省", "0755", 22.5431, 114.0579, 14, 2),
    CitySpec("东莞", "441900", "华南大区", "广东省", "0769", 23.0207, 113.7518, 6, 1),
    CitySpec("佛山", "440606", "华南大区", "广东省", "0757", 23.0215, 113.1214, 5, 1),
    CitySpec("北京", "110108", "华北大区", "", "010", 39.9042, 116.4074, 10, 2),
    CitySpec("天津", "120116", "华北大区", "", "022", 39.3434, 117.3616, 4, 1),
)
DISTRICTS: dict[str, tuple[str, ...]] = {
    "上海": ("浦东新区", "闵行区", "嘉定区", "松江区", "徐汇区", "青浦区"),
    "杭州": ("滨江区", "余杭区", "萧山区", "西湖区", "钱塘区"),
    "南京": ("江宁区", "鼓楼区", "栖霞区", "浦口区"),
    "苏州": ("工业园区", "虎丘区", "吴中区", "相城区"),
    "宁波": ("鄞州区", "北仑区", "镇海区", "江北区"),
    "广州": ("天河区", "黄埔区", "番禺区", "白云区", "花都区"),
    "深圳": ("南山区", "宝安区", "龙岗区", "龙华区", "福田区"),
    "东莞": ("长安镇", "虎门镇", "塘厦镇", "松山湖"),
    "佛山": ("顺德区", "南海区", "禅城区", "三水区"),
    "北京": ("海淀区", "朝阳区", "大兴区", "昌平区", "顺义区"),
    "天津": ("滨海新区", "西青区", "东丽区", "武清区"),
}
REGIONS = ("华东大区", "华南大区", "华北大区")
_TEAM_ORDINALS = "一二三"
_REGION_SLUG = {"华东大区": "east", "华南大区": "south", "华北大区": "north"}
# Reps per team, in CITIES/team order; the fixed logins take the first seats (see _plan).
_REPS_PER_TEAM = {"上海销售一组": 2, "上海销售二组": 2, "杭州销售一组": 2, "杭州销售二组": 1, "南京销售一组": 2,
                  "苏州销售一组": 1, "宁波销售一组": 1, "广州销售一组": 2, "广州销售二组": 1, "深圳销售一组": 2,
                  "深圳销售二组": 1, "东莞销售一组": 1, "佛山销售一组": 1, "北京销售一组": 2, "北京销售二组": 1,
                  "天津销售一组": 1}


def team_names(city: CitySpec) -> list[str]:
    return [f"{city.name}销售{_TEAM_ORDINALS[i]}组" for i in range(city.teams)]


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    unit: str  # COMPANY, a region, a city or a team name
    name: str = ""  # empty: a generated name


def _plan() -> list[UserSpec]:
    """Fixed logins first (tests and the docs rely on them), then the rest of the sales force."""
    plan = [
        UserSpec("admin", Role.ADMIN, COMPANY, "周建国"),
        UserSpec("director", Role.DIRECTOR, COMPANY, "王志刚"),
        UserSpec("ops_1", Role.SALES_OPS, COMPANY, "郑雪"),
        UserSpec("marketing_1", Role.MARKETING, COMPANY, "何佳怡"),
        UserSpec("finance_1", Role.FINANCE, COMPANY, "吴静"),
        UserSpec("presales_1", Role.PRESALES, "华东大区", "刘思远"),
        UserSpec("presales_2", Role.PRESALES, "华南大区"),
        UserSpec("delivery_1", Role.DELIVERY, "华东大区"),
        UserSpec("support_1", Role.SUPPORT, COMPANY),
        UserSpec("manager_east", Role.MANAGER, "华东大区", "陈立新"),
        UserSpec("manager_south", Role.MANAGER, "华南大区", "林伟强"),
        UserSpec("manager_north", Role.MANAGER, "华北大区", "赵洪涛"),
        UserSpec("lead_east_1", Role.MANAGER, "上海销售一组", "孙丽华"),
        UserSpec("lead_south_1", Role.MANAGER, "深圳销售一组"),
        UserSpec("lead_north_1", Role.MANAGER, "北京销售一组"),
        UserSpec("rep_east_1", Role.REP, "上海销售一组", "李明"),
        UserSpec("rep_east_2", Role.REP, "上海销售一组", "张伟"),
        UserSpec("rep_south_1", Role.REP, "深圳销售一组", "黄晓东"),
    ]
    seats = {"上海销售一组": 2, "深圳销售一组": 1}  # taken by the fixed reps above
    counters = {"east": 2, "south": 1, "north": 0}
    for city in CITIES:
        slug = _REGION_SLUG[city.region]
        for team in team_names(city):
            for _ in range(_REPS_PER_TEAM[team] - seats.get(team, 0)):
                counters[slug] += 1
                plan.append(UserSpec(f"rep_{slug}_{counters[slug]}", Role.REP, team))
    return plan


USER_PLAN: tuple[UserSpec, ...] = tuple(_plan())
FIXED_LOGINS = ("admin", "director", "manager_east", "manager_south", "lead_east_1", "rep_east_1", "rep_east_2",
                "rep_south_1", "presales_1", "finance_1", "ops_1", "marketing_1")


@dataclass
class DemoOrg:
    """The loaded company: ids only, small enough to keep for a million-row load."""

    company_id: int
    unit_ids: dict[str, int]  # name → id (region, city and team names are unique in the demo)
    users: dict[str, User]
    city_ids: list[int] = field(default_factory=list)  # in CITIES order
    region_of_city: dict[int, int] = field(default_factory=dict)  # every city unit in the DB, not only ours
    reps_by_city: dict[int, list[int]] = field(default_factory=dict)
    teammates: dict[int, list[int]] = field(default_factory=dict)  # rep id → other reps of the same team

    def user_id(self, username: str) -> int:
        return self.users[username].pk


@transaction.atomic
def ensure_org() -> DemoOrg:
    """Create whatever part of the demo company is missing and return it loaded."""
    company = OrgUnit.objects.filter(name=COMPANY, parent=None).first() or org_unit_create(
        name=COMPANY, kind=UnitKind.COMPANY, parent=None)
    units: dict[str, OrgUnit] = {COMPANY: company}

    def child(name: str, kind: str, parent: OrgUnit) -> OrgUnit:
        unit = OrgUnit.objects.filter(name=name, parent=parent).first()
        return unit or org_unit_create(name=name, kind=kind, parent=parent)

    for region in REGIONS:
        units[region] = child(region, UnitKind.REGION, company)
    for city in CITIES:
        units[city.name] = child(city.name, UnitKind.CITY, units[city.region])
        for team in team_names(city):
            units[team] = child(team, UnitKind.TEAM, units[city.name])

    existing = {user.username: user for user in User.objects.filter(username__in=[s.username for s in USER_PLAN])}
    missing = [spec for spec in USER_PLAN if spec.username not in existing]
    if missing:
        rng = random.Random(f"2026:users:{len(existing)}")
        created = []
        for index, spec in enumerate(missing):
            # password=None sets an unusable password without hashing; the one shared hash is written
            # below, because hashing 40 times with the production hasher would take half a minute.
            user = user_create(username=spec.username, password=None, name=spec.name or person_name(rng),
                               role=spec.role, org_unit=units[spec.unit],
                               phone=f"139{2026_0000 + len(existing) + index:08d}",
                               email=f"{spec.username}@{EMAIL_DOMAIN}")
            existing[user.username] = user
            created.append(user.pk)
        User.objects.filter(pk__in=created).update(password=make_password(PASSWORD))
    return _load(company, units, existing)


def _load(company: OrgUnit, units: dict[str, OrgUnit], users: dict[str, User]) -> DemoOrg:
    org = DemoOrg(company_id=company.pk, unit_ids={name: unit.pk for name, unit in units.items()}, users=users)
    org.city_ids = [units[city.name].pk for city in CITIES]
    for unit_id, parent_id, parent_kind in OrgUnit.objects.filter(kind=UnitKind.CITY).values_list(
            "pk", "parent_id", "parent__kind"):
        if parent_kind == UnitKind.REGION:
            org.region_of_city[unit_id] = parent_id
    team_city = {units[team].pk: units[city.name].pk for city in CITIES for team in team_names(city)}
    by_team: dict[int, list[int]] = {}
    for spec in USER_PLAN:
        user = users[spec.username]
        if spec.role == Role.REP and user.org_unit_id in team_city:
            by_team.setdefault(user.org_unit_id, []).append(user.pk)
            org.reps_by_city.setdefault(team_city[user.org_unit_id], []).append(user.pk)
    # Users with demo usernames may exist elsewhere (test actors): every city still needs an owner.
    everyone = [rep for reps in org.reps_by_city.values() for rep in reps]
    if not everyone:
        raise ValueError("演示公司没有可用的业务员账号，无法分配客户负责人。")
    for city_id in org.city_ids:
        org.reps_by_city.setdefault(city_id, everyone)
    for members in by_team.values():
        for member in members:
            org.teammates[member] = [other for other in members if other != member]
    return org


def login_rows(org: DemoOrg) -> list[tuple[str, str, str, str]]:
    """(username, role label, name, org unit) for the fixed logins, for the closing table."""
    rows = []
    for username in FIXED_LOGINS:
        user = org.users[username]
        unit = user.org_unit.name if user.org_unit_id else "—"
        rows.append((username, Role(user.role).label, user.name, unit))
    return rows


# (sku, name, product line, list price)
PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("MES-STD", "制造执行系统 MES 标准版", "智能制造软件", "380000"),
    ("MES-ENT", "制造执行系统 MES 企业版", "智能制造软件", "980000"),
    ("MES-CLOUD", "云 MES 订阅（年）", "智能制造软件", "96000"),
    ("WMS-STD", "仓储管理系统 WMS", "智能制造软件", "260000"),
    ("QMS-STD", "质量管理系统 QMS", "智能制造软件", "180000"),
    ("APS-STD", "高级计划排程 APS", "智能制造软件", "320000"),
    ("IOT-PLAT", "工业物联网平台（年）", "工业物联网", "150000"),
    ("IOT-GW", "边缘计算网关", "工业物联网", "12800"),
    ("IOT-VIB", "无线振动传感器", "工业物联网", "1680"),
    ("IOT-SCADA", "设备数据采集 SCADA", "工业物联网", "88000"),
    ("AGV-600", "AGV 搬运机器人 600kg", "工业物联网", "268000"),
    ("VIS-2D", "2D 视觉检测工作站", "视觉检测设备", "168000"),
    ("VIS-3D", "3D 视觉检测工作站", "视觉检测设备", "420000"),
    ("VIS-CAM", "工业相机 500 万像素", "视觉检测设备", "9800"),
    ("VIS-LIGHT", "光源控制器", "视觉检测设备", "3600"),
    ("SVC-IMPL", "实施服务（人天）", "服务与维保", "2800"),
    ("SVC-TRAIN", "培训服务", "服务与维保", "18000"),
    ("SVC-MAINT", "年度维保服务", "服务与维保", "60000"),
    ("SVC-CONSULT", "数字化转型咨询", "服务与维保", "120000"),
    ("SVC-UPGRADE", "系统升级服务", "服务与维保", "45000"),
)


def ensure_products() -> list[Product]:
    """The catalogue, created once; returns the active products (the demo's or edited ones)."""
    have = set(Product.objects.filter(sku__in=[row[0] for row in PRODUCTS]).values_list("sku", flat=True))
    Product.objects.bulk_create(Product(sku=sku, name=name, product_line=line, list_price=Decimal(price))
                                for sku, name, line, price in PRODUCTS if sku not in have)
    return list(Product.objects.filter(is_active=True).order_by("pk"))
