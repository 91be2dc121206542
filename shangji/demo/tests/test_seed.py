"""`shangji seed`: the demo company, its customers and a pipeline whose history is consistent."""

from __future__ import annotations

import random
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from shangji.core.models import Attachment
from shangji.customers.dedup import blocking_keys, is_valid_credit_code, normalize_company_name, normalize_phone
from shangji.customers.models import Contact, Customer, CustomerMatchKey, CustomerShare, Interaction
from shangji.demo.names import CompanyNamer
from shangji.demo.records import DUPLICATE_REASON
from shangji.org.choices import Role, UnitKind
from shangji.org.models import OrgUnit, User
from shangji.pipeline.models import FormSubmission, Opportunity, Pipeline, Product, Stage, StageChange
from shangji.pipeline.pipelines import classify, pipeline_for, pipeline_stages, with_stages


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    seed(customers=200, opportunities=150, batch_size=64, quiet=True)


def counts() -> dict[str, int]:
    models = (OrgUnit, User, Product, Customer, CustomerMatchKey, CustomerShare, Contact, Interaction, Opportunity,
              StageChange)
    return {model.__name__: model.objects.count() for model in models}


def accidental_duplicates() -> int:
    """Groups of customers sharing a normalized name without a planted duplicate among them."""
    groups = (Customer.objects.values("name_normalized")
              .annotate(n=Count("id"), planted=Count("id", filter=Q(duplicate_override_reason=DUPLICATE_REASON))))
    return groups.filter(n__gt=1, planted=0).count()


def test_fixed_logins_have_their_roles_units_and_the_demo_password(seeded):
    expected = {
        "admin": (Role.ADMIN, "华信智造集团"), "director": (Role.DIRECTOR, "华信智造集团"),
        "manager_east": (Role.MANAGER, "华东大区"), "manager_south": (Role.MANAGER, "华南大区"),
        "lead_east_1": (Role.MANAGER, "上海销售一组"), "rep_east_1": (Role.REP, "上海销售一组"),
        "rep_east_2": (Role.REP, "上海销售一组"), "presales_1": (Role.PRESALES, None),
        "finance_1": (Role.FINANCE, None), "ops_1": (Role.SALES_OPS, None), "marketing_1": (Role.MARKETING, None),
    }
    users = {user.username: user for user in User.objects.select_related("org_unit")}
    for username, (role, unit) in expected.items():
        assert users[username].role == role
        assert unit is None or users[username].org_unit.name == unit
        assert users[username].name
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["rep_east_1"].check_password("shangji-demo")
    assert users["rep_east_2"].password == users["rep_east_1"].password  # one hash, computed once
    assert {user.role for user in users.values()} == set(Role.values)
    assert 35 <= len(users) <= 45


def test_org_tree_is_company_regions_cities_teams_with_reps_where_the_actors_need_them(seeded):
    company = OrgUnit.objects.get(name="华信智造集团", parent=None)
    regions = OrgUnit.objects.filter(parent=company)
    assert {r.name for r in regions} == {"华东大区", "华南大区", "华北大区"}
    assert OrgUnit.objects.filter(kind=UnitKind.CITY).count() == 11
    assert OrgUnit.objects.filter(kind=UnitKind.TEAM).count() >= 11
    for unit in OrgUnit.objects.select_related("parent"):
        assert unit.path == (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
    rep_east_1, rep_east_2, rep_south_1 = (User.objects.select_related("org_unit__parent__parent").get(username=u)
                                           for u in ("rep_east_1", "rep_east_2", "rep_south_1"))
    assert rep_east_1.org_unit_id == rep_east_2.org_unit_id
    assert rep_south_1.org_unit.parent.name == "深圳"
    assert rep_south_1.org_unit.parent.parent.name == "华南大区"
    for city in OrgUnit.objects.filter(kind=UnitKind.CITY):
        assert User.objects.filter(role=Role.REP, org_unit__parent=city).exists(), city.name


def test_customers_carry_codes_normalized_names_match_keys_and_valid_credit_codes(seeded):
    customers = list(Customer.objects.select_related("city__parent", "owner__org_unit__parent"))
    assert len(customers) == 200
    keys: dict[int, set[str]] = {}
    for customer_id, key in CustomerMatchKey.objects.values_list("customer_id", "key"):
        keys.setdefault(customer_id, set()).add(key)
    for customer in customers:
        assert customer.code == f"KH{customer.pk:08d}"
        assert customer.name_normalized == normalize_company_name(customer.name)
        assert keys[customer.pk] == {key[:64] for key in blocking_keys(customer.name_normalized)}
        assert customer.city.kind == UnitKind.CITY
        assert customer.owner.role == Role.REP
        assert customer.owner.org_unit.parent_id == customer.city_id  # owned by a rep of its city
        assert customer.credit_code is None or is_valid_credit_code(customer.credit_code)
        assert customer.phone == normalize_phone(customer.phone)
        assert customer.latitude is not None and customer.created_by_id == customer.owner_id
    codes = [c.credit_code for c in customers if c.credit_code]
    assert len(codes) == len(set(codes))
    assert 0.45 < len(codes) / len(customers) < 0.75
    assert set(Counter(c.grade for c in customers)) == {"A", "B", "C", "D"}


def test_near_duplicates_are_planted_across_regions_with_the_override_reason(seeded):
    duplicates = Customer.objects.filter(duplicate_override_reason=DUPLICATE_REASON).select_related("city")
    assert duplicates.exists()
    found = 0
    for duplicate in duplicates:
        assert duplicate.credit_code is None
        shared = CustomerMatchKey.objects.filter(customer=duplicate).values("key")
        originals = (Customer.objects.filter(match_keys__key__in=shared).exclude(pk=duplicate.pk)
                     .select_related("city").distinct())
        found += any(o.city.parent_id != duplicate.city.parent_id for o in originals)
    assert found >= duplicates.count() * 0.8  # a typo variant may share no key, the rest must
    assert accidental_duplicates() == 0


def test_contacts_interactions_and_shares_belong_to_the_right_people(seeded):
    customers = Customer.objects.count()
    contacts = Contact.objects.count()
    assert customers <= contacts <= 3 * customers
    assert Contact.objects.filter(is_primary=True).count() == customers
    assert not Interaction.objects.exclude(created_by_id=F("customer__owner_id")).exists()
    assert not Interaction.objects.exclude(contact=None).exclude(contact__customer_id=F("customer_id")).exists()
    presales = CustomerShare.objects.filter(user__username="presales_1")
    assert presales.count() == 30
    assert presales.filter(customer__owner__username="rep_east_1").exists()


def test_every_stage_history_is_consistent_with_the_opportunity(seeded):
    stages = {stage.pk: stage for stage in Stage.objects.all()}
    orders = {pipeline.pk: pipeline_stages(pipeline) for pipeline in with_stages(Pipeline.objects.all())}
    opportunities = Opportunity.objects.prefetch_related("stage_changes", "lines").select_related("customer__city")
    assert opportunities.count() == 150
    outcomes = Counter()
    for opportunity in opportunities:
        history = sorted(opportunity.stage_changes.all(), key=lambda change: (change.changed_at, change.pk))
        assert history[0].from_stage_id is None
        assert history[0].changed_at == opportunity.created_at
        assert history[-1].to_stage_id == opportunity.stage_id
        assert history[-1].changed_at == opportunity.stage_entered_at == opportunity.updated_at
        assert opportunity.version == len(history)
        for before, after in zip(history, history[1:], strict=False):
            assert before.changed_at < after.changed_at
            assert after.from_stage_id == before.to_stage_id
            assert after.seconds_in_from_stage == int((after.changed_at - before.changed_at).total_seconds())
            assert (after.is_regression, after.is_skip) == classify(
                orders[opportunity.pipeline_id], stages[after.from_stage_id], stages[after.to_stage_id])
            assert after.to_stage_id in {s.pk for s in orders[opportunity.pipeline_id]}
        stage = stages[opportunity.stage_id]
        assert (opportunity.closed_at is not None) == stage.is_closed
        assert (opportunity.lost_reason_id is not None) == stage.is_lost
        assert opportunity.region_id == opportunity.customer.city.parent_id
        assert opportunity.created_at >= opportunity.customer.created_at
        lines = list(opportunity.lines.all())
        if lines:
            assert sum(line.quantity * line.unit_price for line in lines) == opportunity.amount
        outcomes["won" if stage.is_won else "lost" if stage.is_lost else "open"] += 1
    assert outcomes["won"] and outcomes["lost"] and outcomes["open"]
    assert StageChange.objects.filter(is_regression=True).exists()


def test_each_deal_follows_the_pipeline_its_customer_and_amount_choose(seeded):
    deals = list(Opportunity.objects.select_related("customer", "pipeline"))
    for deal in deals:
        first = deal.stage_changes.order_by("changed_at", "pk").first().to_stage
        assert deal.pipeline == pipeline_for(customer=deal.customer, amount=deal.amount, stage=first), deal.pk
    large = [deal for deal in deals if deal.customer.scale == "large" and deal.amount > 20000]
    assert large and all(deal.pipeline.name == "大客户流程" for deal in large)
    assert {deal.pipeline.name for deal in deals} >= {"标准流程", "大客户流程"}


def test_some_deals_carry_the_evidence_of_the_gated_stages_they_went_through(seeded, settings):
    submissions = FormSubmission.objects.select_related("opportunity", "template")
    assert submissions.exists()
    for submission in submissions:
        assert submission.submitted_by_id == submission.opportunity.owner_id
        assert submission.submitted_at >= submission.opportunity.created_at
        assert [answer["key"] for answer in submission.answers] == [q["key"] for q in submission.template.questions]
    files = Attachment.objects.filter(entity="opportunity")
    assert set(files.values_list("kind", flat=True)) >= {"call_recording_summary"}
    for file in files[:20]:
        assert file.file.open("rb").read().decode().startswith(("通话录音纪要", "技术方案"))
        file.file.close()
    solution = files.filter(kind="solution_doc").values_list("entity_id", flat=True)
    assert set(Opportunity.objects.filter(pk__in=solution).values_list("pipeline__name", flat=True)) <= {"大客户流程"}


def test_running_plain_seed_again_changes_nothing(seeded):
    before = counts()
    output = seed()
    assert "已存在" in output
    assert counts() == before


def test_seed_with_counts_adds_records_to_the_existing_company(seeded):
    before = counts()
    seed(customers=50, opportunities=20, quiet=True)
    after = counts()
    assert after["OrgUnit"] == before["OrgUnit"] and after["User"] == before["User"]
    assert after["Product"] == before["Product"]
    assert after["Customer"] == before["Customer"] + 50
    assert after["Opportunity"] == before["Opportunity"] + 20
    codes = Customer.objects.exclude(credit_code=None).values("credit_code").annotate(n=Count("id"))
    assert not codes.filter(n__gt=1).exists()
    assert not Customer.objects.values("code").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert CustomerShare.objects.filter(user__username="presales_1").count() == 30
    assert accidental_duplicates() == 0  # the second run's names continue the first run's stream


def test_opportunities_alone_go_to_existing_customers(seeded):
    before = counts()
    seed(opportunities=40, quiet=True)
    after = counts()
    assert after["Customer"] == before["Customer"]
    assert after["Opportunity"] == before["Opportunity"] + 40


@pytest.mark.django_db
def test_plain_seed_on_an_empty_database_prints_the_logins():
    output = seed()
    assert Customer.objects.count() == 2000 and Opportunity.objects.count() == 1500
    assert "shangji-demo" in output and "rep_east_1" in output and "manager_south" in output
    assert re.search(r"用时 [\d.]+ 秒", output)


def test_generated_company_names_never_collide_by_accident():
    namer, rng = CompanyNamer(start=0), random.Random(1)
    names = [namer.base(rng, "上海", "") for _ in range(20000)]
    assert len({n.normalized for n in names}) == len(names)
    assert all(normalize_company_name(n.name) == n.normalized for n in names[:2000])


def test_reps_get_to_dos_and_open_deals_get_the_clocks_of_the_shipped_time_rules(seeded):
    from shangji.automation.models import Rule
    from shangji.core.models import Timer
    from shangji.todos.models import Task

    reps_with_deals = set(Opportunity.objects.filter(closed_at__isnull=True, owner__role=Role.REP)
                          .values_list("owner_id", flat=True))
    assert set(Task.objects.values_list("assignee_id", flat=True)) == reps_with_deals
    assert Task.objects.filter(status="open", due_at__lt=timezone.now()).exists()  # some are overdue
    stagnation = Rule.objects.get(key="stagnation-warning")
    clocks = Timer.objects.filter(key__startswith=f"rule:{stagnation.pk}:", status="pending")
    assert clocks.count() == Opportunity.objects.filter(closed_at__isnull=True, owner__role=Role.REP).count()
    proposal = Rule.objects.get(key="proposal-escalation")
    waiting = Opportunity.objects.filter(closed_at__isnull=True, owner__role=Role.REP, stage__name="方案提交").count()
    assert Timer.objects.filter(key__startswith=f"rule:{proposal.pk}:").count() == waiting


def test_converted_history_leads_are_their_rep_s_deals_so_the_lead_funnel_reaches_won(seeded):
    from shangji.leads.models import Lead

    linked = Lead.objects.filter(opportunity__isnull=False)
    assert linked.exists() and linked.filter(opportunity__stage__is_won=True).exists()
    assert not linked.exclude(owner_id=F("opportunity__owner_id")).exists()
    assert not linked.exclude(customer_id=F("opportunity__customer_id")).exists()
    assert not linked.exclude(converted_at=F("opportunity__created_at")).exists()
    assert not linked.exclude(converted_at__gt=F("created_at")).exists()
    assert not linked.values("opportunity").annotate(n=Count("id")).filter(n__gt=1).exists()
    # the campaigns were created before the half year of leads they brought
    assert not Lead.objects.filter(created_at__lt=F("campaign__created_at")).exists()
