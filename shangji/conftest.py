"""Test kit shared by every app: the fixed actors (DESIGN "Tests and checks") and API clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from shangji.core.registry import forget_cached_overrides
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, User
from shangji.org.services import org_unit_create, user_create

PASSWORD = "test-password-1"


@dataclass
class Actors:
    """Two reps in one team, a rep in another region, their team lead, the regional manager, the other
    region's manager, a director, presales, finance, sales ops and admin — with the demo company's logins."""

    company: OrgUnit
    east: OrgUnit
    south: OrgUnit
    shanghai: OrgUnit
    shenzhen: OrgUnit
    team: OrgUnit
    rep: User
    teammate: User
    other_rep: User
    team_lead: User
    regional_manager: User
    other_manager: User
    director: User
    presales: User
    finance: User
    sales_ops: User
    admin: User

    def all(self) -> dict[str, User | None]:
        names = ["rep", "teammate", "other_rep", "team_lead", "regional_manager", "other_manager", "director",
                 "presales", "finance", "sales_ops", "admin"]
        return {name: getattr(self, name) for name in names} | {"anonymous": None}


def build_actors() -> Actors:
    company = org_unit_create(name="测试公司", kind=UnitKind.COMPANY, parent=None)
    east = org_unit_create(name="华东大区", kind=UnitKind.REGION, parent=company)
    south = org_unit_create(name="华南大区", kind=UnitKind.REGION, parent=company)
    shanghai = org_unit_create(name="上海", kind=UnitKind.CITY, parent=east)
    shenzhen = org_unit_create(name="深圳", kind=UnitKind.CITY, parent=south)
    team = org_unit_create(name="上海一组", kind=UnitKind.TEAM, parent=shanghai)
    team_south = org_unit_create(name="深圳一组", kind=UnitKind.TEAM, parent=shenzhen)

    def user(username, role, unit, name):
        return user_create(username=username, password=PASSWORD, name=name, role=role, org_unit=unit)

    return Actors(
        company=company, east=east, south=south, shanghai=shanghai, shenzhen=shenzhen, team=team,
        rep=user("rep_east_1", Role.REP, team, "张伟"),
        teammate=user("rep_east_2", Role.REP, team, "王芳"),
        other_rep=user("rep_south_1", Role.REP, team_south, "李娜"),
        team_lead=user("lead_east_1", Role.MANAGER, team, "刘洋"),
        regional_manager=user("manager_east", Role.MANAGER, east, "陈静"),
        other_manager=user("manager_south", Role.MANAGER, south, "杨磊"),
        director=user("director", Role.DIRECTOR, company, "赵总"),
        presales=user("presales_1", Role.PRESALES, company, "孙工"),
        finance=user("finance_1", Role.FINANCE, company, "周会计"),
        sales_ops=user("ops_1", Role.SALES_OPS, company, "吴运营"),
        admin=user("admin", Role.ADMIN, company, "管理员"),
    )


@pytest.fixture
def actors(db) -> Actors:
    # Transactional tests flush every table, data-migration rows included: put the defaults back.
    from shangji.customers import defaults as customer_defaults
    from shangji.customers.models import Industry
    from shangji.pipeline import defaults as pipeline_defaults
    from shangji.pipeline.models import LostReason, Stage

    pipeline_defaults.install_defaults(Stage, LostReason)
    customer_defaults.install_defaults(Industry)
    return build_actors()


@pytest.fixture
def api():
    """`api(user)` → an APIClient authenticated as that user (None = anonymous)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            # A fresh instance, like a real request: nothing cached on the fixture's object leaks in.
            client.force_authenticate(user=User.objects.get(pk=user.pk))
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_settings_cache(monkeypatch):
    # Overrides are reloaded only when a test changes them (services clear the cache on commit), so a
    # reload never lands in the middle of a query-count measurement.
    monkeypatch.setattr("shangji.core.registry._CACHE_SECONDS", 10**9)
    forget_cached_overrides()
    yield
    forget_cached_overrides()


def signed_in(user: User):
    """A Django test client logged in as `user` (a page visitor)."""
    from django.test import Client

    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def make_customer(owner: User, name: str = "上海恒瑞精密机械有限公司", **fields):
    from shangji.customers.services import CustomerFields, customer_create

    reason = fields.pop("duplicate_override_reason", "测试数据")
    return customer_create(actor=owner, fields=CustomerFields(name=name, **fields), owner=owner,
                           duplicate_override_reason=reason)


def make_opportunity(owner: User, customer=None, *, name: str = "MES 系统一期", amount="120000.00", stage=None):
    from shangji.pipeline.models import Stage
    from shangji.pipeline.services import opportunity_create

    customer = customer or make_customer(owner, name=f"{owner.name}的客户有限公司")
    stage = Stage.objects.get(name=stage) if isinstance(stage, str) else stage
    return opportunity_create(actor=owner, customer=customer, name=name, amount=amount, stage=stage)


def stage(name: str):
    from shangji.pipeline.models import Stage

    return Stage.objects.get(name=name)
