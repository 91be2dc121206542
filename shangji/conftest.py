"""Test kit shared by every app: the fixed actors (DESIGN "Tests and checks") and API clients."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from shangji.core.memo import forget_config_caches
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
    marketing: User

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
        marketing=user("marketing_1", Role.MARKETING, company, "郑敏"),
    )


@pytest.fixture
def actors(db) -> Actors:
    # Transactional tests flush every table, data-migration rows included: put the defaults back.
    from django.apps import apps

    from shangji.automation.defaults import install_defaults as install_rule_defaults
    from shangji.automation.models import Rule
    from shangji.core.models import CustomField
    from shangji.customers import defaults as customer_defaults
    from shangji.customers.models import Industry
    from shangji.leads.defaults import install_defaults as install_lead_rules
    from shangji.pipeline import defaults as pipeline_defaults
    from shangji.pipeline.models import LostReason, Stage
    from shangji.visits import defaults as visit_defaults

    pipeline_defaults.install_defaults(Stage, LostReason)
    pipeline_defaults.install_pipeline_defaults(apps.get_model, fast_deal_max_amount=Decimal("20000"))
    customer_defaults.install_defaults(Industry)
    install_rule_defaults(Rule, Stage, CustomField)
    install_lead_rules(Rule)
    visit_defaults.install(apps)
    visit_defaults.install_rules(Rule)
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


@pytest.fixture
def no_gates(db):
    """Stage gates off, for tests about something else that move deals freely (e.g. counter shuffles)."""
    from shangji.pipeline.models import StageGate

    StageGate.objects.update(is_active=False)


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_dir(settings, _media_dir):
    # Attachments written by tests never land in the data dir.
    settings.MEDIA_ROOT = _media_dir


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    # The counters live outside the database (core/ratelimit.py), so no rollback clears them between tests.
    from shangji.core.ratelimit import rate_counters_reset

    rate_counters_reset()


@pytest.fixture(autouse=True)
def _fresh_settings_cache(monkeypatch):
    # Overrides are reloaded only when a test changes them (services clear the cache on commit), so a
    # reload never lands in the middle of a query-count measurement.
    monkeypatch.setattr("shangji.core.registry._CACHE_SECONDS", 10**9)
    forget_cached_overrides()
    forget_config_caches()
    yield
    forget_cached_overrides()
    forget_config_caches()


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


def make_opportunity(owner: User, customer=None, *, name: str = "MES 系统一期", amount="120000.00", stage=None,
                     pipeline=None):
    from shangji.pipeline.models import Pipeline, Stage
    from shangji.pipeline.services import opportunity_create

    customer = customer or make_customer(owner, name=f"{owner.name}的客户有限公司")
    stage = Stage.objects.get(name=stage) if isinstance(stage, str) else stage
    pipeline = Pipeline.objects.get(name=pipeline) if isinstance(pipeline, str) else pipeline
    return opportunity_create(actor=owner, customer=customer, name=name, amount=amount, stage=stage,
                              pipeline=pipeline)


def satisfy_gates(opportunity, actor: User | None = None):
    """Put on file everything the active stage gates of the deal's pipeline ask for — for tests that move
    deals forward but are not about gates. Returns the refreshed deal (its version may have changed)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Q

    from shangji.core.attachments import attachment_add
    from shangji.pipeline.evidence import form_submission_create, opportunity_activity_record
    from shangji.pipeline.models import StageGate
    from shangji.pipeline.services import opportunity_update

    actor = actor or opportunity.owner
    samples = {"text": "测试回答", "number": "1", "date": "2027-01-15"}
    gates = (StageGate.objects.filter(is_active=True).filter(Q(pipeline=None) | Q(pipeline=opportunity.pipeline))
             .select_related("deliverable_kind", "form_template"))
    for gate in gates:
        if gate.kind == "form":
            answers = {q["key"]: (q["choices"][0] if q["type"] == "choice" else samples[q["type"]])
                       for q in gate.form_template.questions}
            form_submission_create(template=gate.form_template, opportunity=opportunity, answers=answers,
                                   actor=actor)
        elif gate.kind == "attachment":
            attachment_add(entity="opportunity", entity_id=opportunity.pk, kind=gate.deliverable_kind.code,
                           upload=SimpleUploadedFile("测试文件.pdf", b"%PDF-1.4 test"), actor=actor)
        elif gate.kind == "activity":
            upload = SimpleUploadedFile("测试文件.pdf", b"%PDF-1.4 test") if gate.deliverable_kind else None
            opportunity_activity_record(opportunity=opportunity, actor=actor, kind=gate.interaction_kind,
                                        summary="测试跟进", upload=upload,
                                        upload_kind=gate.deliverable_kind.code if upload else "")
        elif gate.kind == "field" and gate.field_name in ("expected_close_date", "description"):
            value = {"expected_close_date": date(2027, 1, 15), "description": "测试说明"}[gate.field_name]
            opportunity.refresh_from_db()
            if not getattr(opportunity, gate.field_name):
                opportunity_update(opportunity=opportunity, actor=actor, **{gate.field_name: value})
    opportunity.refresh_from_db()
    return opportunity


def stage(name: str):
    from shangji.pipeline.models import Stage

    return Stage.objects.get(name=name)


def move_deal(deal, stage_name: str, actor: User):
    """Move a deal to the named stage as its page does (with the deal's current version)."""
    from shangji.pipeline.services import opportunity_move

    deal.refresh_from_db()
    return opportunity_move(opportunity=deal, to_stage=stage(stage_name), actor=actor, version=deal.version)


def drain_events() -> None:
    """Deliver every pending event, including those the handlers emit, as the worker's dispatch task does."""
    from shangji.core.events import dispatch_pending

    while dispatch_pending():
        pass


# ---------------------------------------------------------------------------------------------------------
# Browser journeys: Playwright driving Debian's chromium (never a browser download).

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run scripts/install-browser.sh (make test does).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
