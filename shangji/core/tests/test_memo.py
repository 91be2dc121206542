"""Per-process configuration caches: reused within their lifetime, dropped by a save in this process."""

import pytest

from shangji.core import memo
from shangji.leads.assignment import active_territories
from shangji.org.choices import UnitKind
from shangji.org.models import OrgUnit, Territory

pytestmark = pytest.mark.django_db


def _team() -> OrgUnit:
    company = OrgUnit.objects.create(name="公司", kind=UnitKind.COMPANY)
    return OrgUnit.objects.create(name="一组", kind=UnitKind.TEAM, parent=company)


def test_a_cached_loader_reads_once_until_a_save_of_its_model(django_assert_num_queries):
    team = _team()
    territory = Territory.objects.create(name="上海", team=team)
    with django_assert_num_queries(1):
        assert [t.name for t in active_territories()] == ["上海"]
        assert [t.name for t in active_territories()] == ["上海"]
    territory.is_active = False
    territory.save()  # this process sees its own change at once
    with django_assert_num_queries(1):
        assert active_territories() == ()


def test_another_process_change_shows_after_the_lifetime(monkeypatch):
    team = _team()
    assert active_territories() == ()
    Territory.objects.bulk_create([Territory(name="北京", team=team)])  # no signal: as if another process wrote it
    assert active_territories() == ()
    now = memo.time.monotonic()
    monkeypatch.setattr(memo.time, "monotonic", lambda: now + memo.CONFIG_CACHE_SECONDS + 1)
    assert [t.name for t in active_territories()] == ["北京"]


def test_uncached_reads_the_database_now():
    team = _team()
    assert active_territories() == ()
    Territory.objects.bulk_create([Territory(name="北京", team=team)])
    assert [t.name for t in active_territories.uncached()] == ["北京"]
