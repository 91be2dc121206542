"""Customers with their match keys, contacts, interactions and shares, built one batch at a time.

The rows are the ones `customer_create`, `contact_create` and `interaction_record` write, minus
the audit and event rows: this is history being loaded, not actions being taken.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from shangji.customers.dedup import blocking_keys, make_credit_code, make_organization_code, normalize_company_name
from shangji.customers.dedup.creditcode import CHARSET
from shangji.customers.models import Contact, Customer, CustomerMatchKey, CustomerShare, Interaction
from shangji.demo import names
from shangji.demo.bulk import Table
from shangji.demo.names import CompanyName, CompanyNamer, Permutation, Weighted
from shangji.demo.org import CITIES, DISTRICTS, DemoOrg

DAY = 86400
HISTORY_DAYS = 548  # 18 months of activity
DUPLICATE_REASON = "演示数据：跨区域重复客户"
DUPLICATE_RATE = 0.03
HARD_NEGATIVE_RATE = 0.01
CREDIT_CODE_RATE = 0.60
PRESALES_SHARES = 30  # presales_1 serves this many accounts, some of them rep_east_1's

_CITY = Weighted(range(len(CITIES)), [city.weight for city in CITIES])
_GRADE = Weighted("ABCD", (10, 25, 40, 25))
_SCALE_BY_GRADE = {grade: Weighted(("micro", "small", "medium", "large"), weights) for grade, weights in
                   {"A": (0, 10, 45, 45), "B": (5, 30, 50, 15), "C": (20, 50, 27, 3), "D": (50, 40, 10, 0)}.items()}
_INTERACTION_KIND = Weighted(("call", "visit", "wechat", "email", "meeting", "note"), (30, 25, 25, 8, 7, 5))
_INTERACTIONS_BY_GRADE = {grade: Weighted(range(6), weights) for grade, weights in
                          {"A": (5, 10, 15, 20, 25, 25), "B": (10, 15, 20, 20, 20, 15),
                           "C": (15, 20, 22, 18, 15, 10), "D": (30, 25, 20, 12, 8, 5)}.items()}
_CONTACT_COUNT = Weighted((1, 2, 3), (60, 30, 10))
_SHARE_NOTES = {"presales": "售前技术支持", "delivery": "实施交付", "support": "售后服务"}


@dataclass(slots=True)
class CustomerStub:
    """What the deal generator needs to know about a customer."""

    id: int
    short_name: str
    owner_id: int
    city_id: int | None
    created_at: datetime
    grade: str
    scale: str = ""  # decides the deal's pipeline (P3: 大客户流程 for large customers)


CUSTOMER_COLUMNS = ("id", "code", "name", "name_normalized", "credit_code", "industry_id", "scale", "grade",
                    "city_id", "address", "latitude", "longitude", "phone", "email", "owner_id", "merged_into_id",
                    "duplicate_override_reason", "created_by_id", "created_at", "updated_at")
MATCH_KEY_COLUMNS = ("customer_id", "key")
CONTACT_COLUMNS = ("id", "customer_id", "name", "title", "mobile", "email", "wechat", "decision_role", "attitude",
                   "is_primary", "created_at")
INTERACTION_COLUMNS = ("customer_id", "contact_id", "kind", "occurred_at", "summary", "created_by_id", "created_at")
SHARE_COLUMNS = ("customer_id", "user_id", "note")


@dataclass
class CustomerBatch:
    """Rows as tuples in the *_COLUMNS order."""

    customers: list[tuple] = field(default_factory=list)
    match_keys: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    interactions: list[tuple] = field(default_factory=list)
    shares: list[tuple] = field(default_factory=list)
    stubs: list[CustomerStub] = field(default_factory=list)
    duplicates: int = 0


class CustomerTables:
    def __init__(self) -> None:
        self.customers = Table(Customer, CUSTOMER_COLUMNS)
        self.match_keys = Table(CustomerMatchKey, MATCH_KEY_COLUMNS)
        self.contacts = Table(Contact, CONTACT_COLUMNS)
        self.interactions = Table(Interaction, INTERACTION_COLUMNS)
        self.shares = Table(CustomerShare, SHARE_COLUMNS)

    def write(self, batch: CustomerBatch) -> None:
        self.customers.insert(batch.customers)
        self.match_keys.insert(batch.match_keys)
        self.contacts.insert(batch.contacts)
        self.interactions.insert(batch.interactions)
        self.shares.insert(batch.shares)


@dataclass(frozen=True, slots=True)
class _Original:
    company: CompanyName
    city_index: int
    phone: str
    industry_id: int | None


class CustomerFactory:
    def __init__(self, *, rng: random.Random, org: DemoOrg, industries: dict[str, int], now: datetime,
                 code_prefix: str, namer_start: int, presales_quota: int) -> None:
        self.rng = rng
        self.org = org
        self.industries = industries
        self.now_ts = now.timestamp()
        self.code_prefix = code_prefix
        self.namer = CompanyNamer(start=namer_start)
        self.organization_codes = Permutation(len(CHARSET) ** 8, 2026)
        self.originals: deque[_Original] = deque(maxlen=5000)
        self.presales_quota = presales_quota
        # presales_1's accounts are planted exactly (PRESALES_SHARES); the others are spread at random.
        self.collaborators = [(org.users[u].pk, role) for u, role in
                              (("presales_2", "presales"), ("delivery_1", "delivery"), ("support_1", "support"))]
        # Where a cross-region duplicate lands: any city outside the original's region.
        self.other_regions = {region: Weighted([i for i, c in enumerate(CITIES) if c.region != region],
                                               [c.weight for c in CITIES if c.region != region])
                              for region in {c.region for c in CITIES}}

    def _at(self, ts: float) -> datetime:
        return datetime.fromtimestamp(int(ts), tz=UTC)

    def build(self, count: int, *, first_id: int, first_contact_id: int) -> CustomerBatch:
        batch = CustomerBatch()
        contact_id = first_contact_id
        for customer_id in range(first_id, first_id + count):
            contact_id = self._customer(batch, customer_id, contact_id)
        self._shares(batch)
        return batch

    def _customer(self, batch: CustomerBatch, customer_id: int, contact_id: int) -> int:
        rng = self.rng
        name, normalized, city_index, credit_code, industry_id, phone, reason = self._identity(batch, customer_id)
        spec = CITIES[city_index]
        city_id = self.org.city_ids[city_index]
        owner_id = rng.choice(self.org.reps_by_city[city_id])
        grade = _GRADE.pick(rng)
        # 70 % of the accounts predate the 18 months of activity; none is younger than a week.
        if rng.random() < 0.7:
            created_ts = self.now_ts - rng.uniform(HISTORY_DAYS, 3 * 365) * DAY
        else:
            created_ts = self.now_ts - rng.uniform(7, HISTORY_DAYS) * DAY
        created_at = self._at(created_ts)
        updated_at = self._at(created_ts + (self.now_ts - created_ts) * rng.random() ** 3)
        address = f"{spec.name}市{rng.choice(DISTRICTS[spec.name])}{rng.choice(names.STREETS)}{rng.randint(1, 999)}号"
        if rng.random() < 0.3:
            address += f"{rng.randint(1, 12)}栋"
        latitude = Decimal(f"{spec.latitude + rng.gauss(0, 0.08):.6f}")
        longitude = Decimal(f"{spec.longitude + rng.gauss(0, 0.08):.6f}")
        scale = _SCALE_BY_GRADE[grade].pick(rng)
        batch.customers.append((
            customer_id, f"{self.code_prefix}{customer_id:08d}", name, normalized, credit_code, industry_id,
            scale, grade, city_id, address, latitude, longitude, phone, "", owner_id,
            None, reason, owner_id, created_at, updated_at))
        batch.match_keys.extend((customer_id, key[:64]) for key in blocking_keys(normalized))
        batch.stubs.append(CustomerStub(customer_id, normalized[:12], owner_id, city_id, created_at, grade, scale))
        contacts = self._contacts(batch, customer_id, contact_id, created_ts)
        self._interactions(batch, customer_id, owner_id, grade, created_ts, contacts)
        return contact_id + len(contacts)

    def _identity(self, batch: CustomerBatch, customer_id: int) -> tuple:
        """(name, normalized name, city index, credit code, industry id, phone or None, override reason)."""
        rng = self.rng
        roll = rng.random()
        original = rng.choice(self.originals) if self.originals and roll < DUPLICATE_RATE + HARD_NEGATIVE_RATE else None
        if original is not None and roll < DUPLICATE_RATE:
            # C1 baseline: the same company entered again by a rep of another region (19.3 % before Shangji),
            # without the credit code that would have given it away.
            batch.duplicates += 1
            name = names.near_duplicate_name(rng, original.company)
            city_index = self.other_regions[CITIES[original.city_index].region].pick(rng)
            phone = original.phone if rng.random() < 0.3 else self._phone(city_index)
            return (name, normalize_company_name(name), city_index, None, original.industry_id, phone,
                    DUPLICATE_REASON)
        company = None
        if original is not None:  # a hard negative: same brand, same city, another business (美的电器 / 美的置业)
            city_index = original.city_index
            company = self.namer.hard_negative(rng, original.company, CITIES[city_index].name,
                                               CITIES[city_index].province)
        if company is None:
            city_index = _CITY.pick(rng)
            company = self.namer.base(rng, CITIES[city_index].name, CITIES[city_index].province)
        industry_id = self.industries.get(company.industry)
        credit_code = (self._credit_code(customer_id, CITIES[city_index].division)
                       if rng.random() < CREDIT_CODE_RATE else None)
        phone = self._phone(city_index)
        self.originals.append(_Original(company, city_index, phone, industry_id))
        return company.name, company.normalized, city_index, credit_code, industry_id, phone, ""

    def _phone(self, city_index: int) -> str:
        roll = self.rng.random()
        if roll < 0.05:
            return ""
        return names.landline(self.rng, CITIES[city_index].area_code) if roll < 0.55 else names.mobile(self.rng)

    def _contacts(self, batch: CustomerBatch, customer_id: int, first_id: int,
                  created_ts: float) -> list[tuple[str, int]]:
        """Write 1–3 contacts; return (label for interaction notes, id) for each."""
        rng, made = self.rng, []
        for index in range(_CONTACT_COUNT.pick(rng)):
            person, pinyin = names.person(rng)
            title, role = names.TITLE.pick(rng)
            mobile = names.mobile(rng) if rng.random() < 0.9 else ""
            roll = rng.random()
            wechat = mobile if roll < 0.25 else f"wxid_{rng.randrange(16 ** 10):010x}" if roll < 0.5 else ""
            email = names.personal_email(rng, pinyin) if rng.random() < 0.3 else ""
            contact_at = self._at(min(created_ts + rng.uniform(0, 30) * DAY, self.now_ts))
            batch.contacts.append((first_id + index, customer_id, person, title, mobile, email, wechat, role,
                                   names.ATTITUDE.pick(rng), index == 0, contact_at))
            made.append((f"{person}（{title}）", first_id + index))
        return made

    def _interactions(self, batch: CustomerBatch, customer_id: int, owner_id: int, grade: str, created_ts: float,
                      contacts: list[tuple[str, int]]) -> None:
        rng = self.rng
        start_ts = max(created_ts, self.now_ts - HISTORY_DAYS * DAY)
        for _ in range(_INTERACTIONS_BY_GRADE[grade].pick(rng)):
            occurred_ts = rng.uniform(start_ts, self.now_ts - 3600)
            kind = _INTERACTION_KIND.pick(rng)
            label, contact_id = rng.choice(contacts) if rng.random() < 0.85 else ("", None)
            batch.interactions.append((
                customer_id, contact_id, kind, self._at(occurred_ts), names.interaction_summary(rng, kind, label),
                owner_id, self._at(min(occurred_ts + rng.uniform(300, DAY), self.now_ts))))

    def _credit_code(self, customer_id: int, division: str) -> str:
        # Unique by construction: the organization code is a bijection of the customer id.
        value, chars = self.organization_codes(customer_id % len(CHARSET) ** 8), []
        for _ in range(8):
            value, digit = divmod(value, len(CHARSET))
            chars.append(CHARSET[digit])
        return make_credit_code(f"91{division}{make_organization_code(''.join(chars))}")

    def _shares(self, batch: CustomerBatch) -> None:
        rng = self.rng
        chosen: dict[int, tuple[int, str]] = {}
        if self.presales_quota > 0 and batch.stubs:
            presales_id = self.org.user_id("presales_1")
            rep_east_1 = self.org.user_id("rep_east_1")
            east = [s.id for s in batch.stubs if s.owner_id == rep_east_1]
            picks = rng.sample(east, min(len(east), max(1, self.presales_quota // 4)))
            taken = set(picks)
            rest = [s.id for s in batch.stubs if s.id not in taken]
            picks += rng.sample(rest, min(len(rest), self.presales_quota - len(picks)))
            for customer_id in picks:
                chosen[customer_id] = (presales_id, _SHARE_NOTES["presales"])
            self.presales_quota -= len(picks)
        for stub in batch.stubs:
            if stub.id not in chosen and rng.random() < 0.01:
                user_id, role = rng.choice(self.collaborators)
                chosen[stub.id] = (user_id, _SHARE_NOTES[role])
        batch.shares = [(customer_id, user_id, note) for customer_id, (user_id, note) in chosen.items()]

