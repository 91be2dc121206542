"""The demo company's field visits (SPEC §6): eight weeks of each rep's visits to their own customers, today's plan,
a few dozen real photos, the points ledger and the rewards points buy.

History is loaded in bulk like the rest of the demo (no audit or event rows, so no rule fires for the past), but
every derived value is computed the way the services compute it: check-in distance and flag from the customer's
location and the radius setting, signals by the real extractor over the note and the pain keywords with the
company's dictionary, points for the completed optional fields, photo EXIF read back and flagged by the real checks,
the record delay, and each visit's committed action judged by the next visit to the customer (V4).
"""

from __future__ import annotations

import io
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from shangji.core.geo import distance_m
from shangji.core.models import Event, Timer
from shangji.core.registry import setting
from shangji.customers.models import Customer
from shangji.demo.bulk import Table
from shangji.demo.org import DemoOrg
from shangji.org.choices import Role
from shangji.pipeline.models import Product
from shangji.visits import photos as photo_checks
from shangji.visits import rollups
from shangji.visits.choices import CheckInFlag, OptionalField, PhotoKind, VisitStatus
from shangji.visits.models import ObjectionType, PointEntry, Reward, Visit, VisitPhoto, VisitSignal
from shangji.visits.services import FOLLOW_UP_TIMER, PHOTO_POINTS, signal_rules
from shangji.visits.signals import extract

WEEKS = 8
PORTFOLIO = (24, 40)  # customers a rep visits regularly
PHOTOS = 36  # real small JPEGs on the most recent visits
METRES_PER_DEGREE = 111_000

REWARDS = (("培训课时（2 小时）", "任选一门产品或销售技巧课程，由区域培训师安排。", 300),
           ("物流优先", "下一张客户订单优先排产发货一次。", 500),
           ("新品样机试用（一周）", "为重点客户申请一周新品样机现场试用。", 800))

# Pain keywords: some are dictionary words (a signal), most are the plain problems reps hear.
PAIN_KEYWORDS = ("交期长", "设备老化", "人手不足", "数据不准", "系统不稳定", "培训不足", "良率低", "能耗高",
                 "排产混乱", "追溯困难", "缺货", "回款慢", "价格太高", "质量问题", "竞品进场", "换供应商")
KEY_DEMANDS = ("降低成本", "缩短交期", "提升良率", "数据可追溯", "减少人工", "售后响应快", "账期灵活", "培训支持",
               "系统对接", "快速上线")
COMMITTED = ("周五前发送{product}报价单", "下周安排{product}现场演示", "三天内提供同行业案例资料",
             "约技术同事下周上门调试", "本周内回复备件交期", "整理需求清单并发给设备部确认", "申请试用样机一周",
             "协调售后工程师两天内到场", "下次拜访带上实施计划书", "和财务确认对账明细")
TOMORROW = ("整理拜访纪要发给主管", "跟进报价审批", "准备演示环境", "电话确认技术交流时间", "提交样机申请",
            "回访上周的问题处理进度")
NEUTRAL = ("与设备部王工沟通了产线改造计划", "演示了 MES 看板和报表功能", "参观了新车间，了解了排产流程",
           "确认了下月培训安排", "客户关注与现有 ERP 的数据对接", "采购介绍了今年的预算节奏",
           "质量部想看视觉检测的误判率数据", "客户计划年底前完成二号线自动化改造")
POSITIVE = ("MES 上线后车间反馈好，主任很满意", "客户复购了一批振动传感器", "二期产线有意向，想引进视觉检测",
            "客户主动询价三台工作站", "新开门店也想试用我们的系统")
RISKS = {
    "stock_out": ("上次订的传感器缺货，产线在等", "客户反映备件断货一周，维修停滞", "经销商处网关断货"),
    "competitor_entry": ("车间里发现竞品进场做测试", "竞品已进场，在隔壁产线做样板", "客户在考虑换供应商"),
    "complaint": ("质量部投诉上月两台检测设备误报多", "客户对售后响应不满意", "现场发现包装破损，要求退货"),
    "payment": ("财务说资金紧张，二期款付款延迟", "回款慢，上季度还有欠款", "对账不符，要和财务逐笔核对"),
    "churn_risk": ("采购说明年可能减少进货", "客户提到考虑换品牌"),
    "price_cut": ("竞品降价两成在抢单", "对手年底促销力度大"),
    "overstock": ("客户仓库还有积压的传感器", "上批相机动销慢"),
    "price_objection": ("老板觉得报价高", "采购嫌贵，希望再让利"),
    "contact_change": ("对接的采购经理离职了，新人下周到岗", "设备部负责人离职，需要重新建立关系"),
    "delivery": ("上次发错货，少发货两件", "物流慢，到货延迟三天"),
}
NEGATED = ("目前没有缺货", "暂无竞品进场", "未发现质量问题")
SHORT_NOTES = ("已拜访", "正常拜访", "送资料")
# How often each kind of problem is a customer's running story (a few customers keep raising the same thing).
STORY_KINDS = (("stock_out", 5), ("complaint", 4), ("competitor_entry", 4), ("payment", 3), ("price_objection", 3),
               ("delivery", 2), ("contact_change", 1), ("churn_risk", 1))
_GRADE_WEIGHT = {"A": 4.0, "B": 2.5, "C": 1.5, "D": 0.7}


@dataclass
class _Rep:
    id: int
    customers: list[tuple]  # (id, name, latitude, longitude, grade)
    per_day: float  # mean visits per working day
    on_time: float  # share recorded within the limit (V4)
    keeps_promises: float  # share of committed actions done by the next visit (V4)
    far_rate: float  # share of check-ins far from the customer (V3)
    products: list[int] = field(default_factory=list)


@transaction.atomic
def load_visits(*, org: DemoOrg, rng: random.Random, now: datetime) -> int:
    """Everything above, once (a company that already has visits is left alone). Returns the visits written."""
    if Visit.objects.exists():
        return 0
    _rewards()
    products = dict(Product.objects.filter(is_active=True).values_list("pk", "name"))
    objections = list(ObjectionType.objects.filter(is_active=True).values_list("pk", flat=True))
    reps = _reps(org, rng, products) if products else []
    if not reps:
        return 0
    today = timezone.localdate(now)
    days = [today - timedelta(days=offset) for offset in range(WEEKS * 7, 0, -1)]
    days = [day for day in days if day.weekday() < 5]
    rules = signal_rules()
    radius = setting("visits.checkin_radius_m")
    visits: list[Visit] = []
    for rep in reps:
        visits += _history(rep, days, rng, now, objections, radius, products)
        visits += _plan(rep, today, rng, now)
    _promises(visits, reps, rng)
    photo_of = _choose_photos(visits, rng)
    for visit in visits:
        visit.points = _points_of(visit, photo_of.get(id(visit), ()))
    _insert(Visit, visits)
    found = _signals(visits, rules)
    _photos(visits, photo_of, rng)
    _ledger(visits, photo_of, rng, now)
    _timers(visits, now)
    _announce_recent(visits, found)
    rollups.rebuild()  # the manager's page reads rollups the services keep; a bulk load builds them once
    return len(visits)


def _insert(model, rows: list) -> None:
    """Multi-row INSERT with explicit ids (the loader's fast path: bulk_create spends most of its time preparing
    values field by field); the rows get their pk, as bulk_create would give them."""
    from shangji.demo.loader import _next_id, _sync_sequences

    columns = [f.attname for f in model._meta.concrete_fields]
    table = Table(model, columns)
    first = _next_id(model)
    for offset, row in enumerate(rows):
        row.pk = first + offset
    for start in range(0, len(rows), 2000):
        table.insert(tuple(getattr(row, name) for name in columns) for row in rows[start:start + 2000])
    _sync_sequences(model)


def _rewards() -> None:
    for name, description, cost in REWARDS:
        Reward.objects.get_or_create(name=name, defaults={"description": description, "cost": cost})


def _reps(org: DemoOrg, rng: random.Random, products: dict[int, str]) -> list[_Rep]:
    ids = [user.pk for user in org.users.values() if user.role == Role.REP]
    reps = []
    for rep_id in sorted(ids):
        # The rep's accounts, A and B first: a portfolio they keep visiting (a bench-sized load has thousands).
        rows = list(Customer.objects.filter(owner_id=rep_id, merged_into__isnull=True, latitude__isnull=False)
                    .order_by("grade", "pk").values_list("pk", "name", "latitude", "longitude", "grade")[:200])
        if len(rows) < 5:
            continue
        portfolio = rng.sample(rows, min(len(rows), rng.randint(*PORTFOLIO)))
        reps.append(_Rep(id=rep_id, customers=portfolio, per_day=rng.uniform(4.0, 6.5),
                         on_time=rng.choice((0.97, 0.95, 0.92, 0.86)), keeps_promises=rng.uniform(0.78, 0.96),
                         far_rate=rng.choice((0.01, 0.02, 0.03, 0.08)),
                         products=rng.sample(sorted(products), min(2, len(products)))))
    return reps


def _local(day: date, minutes: float) -> datetime:
    start = datetime.combine(day, time(9, 0), tzinfo=timezone.get_current_timezone())
    return start + timedelta(minutes=minutes)


def _history(rep: _Rep, days: list[date], rng: random.Random, now: datetime, objections: list[int],
             radius: int, products: dict[int, str]) -> list[Visit]:
    stories = {customer[0]: _story(rng) for customer in rep.customers}
    last_seen: dict[int, date] = {}
    weights = [_GRADE_WEIGHT[customer[4]] for customer in rep.customers]
    visits = []
    for day in days:
        if rng.random() < 0.04:  # leave, training, an office day
            continue
        count = max(3, min(8, round(rng.gauss(rep.per_day, 1.2))))
        chosen: list[tuple] = []
        for attempt in range(count * 6):
            customer = rng.choices(rep.customers, weights)[0]
            recent = last_seen.get(customer[0])
            # Not the same customer twice in four days — unless the portfolio is too small for that.
            if customer not in chosen and (recent is None or (day - recent).days >= 4 or attempt >= count * 4):
                chosen.append(customer)
            if len(chosen) == count:
                break
        clock = rng.uniform(0, 40)  # minutes after 09:00
        for customer in chosen:
            checked_in = _local(day, clock)
            clock += rng.uniform(30, 50) + rng.uniform(10, 30)  # a stay, then the drive to the next customer
            if checked_in >= now:
                break
            last_seen[customer[0]] = day
            visits.append(_visit(rep, customer, checked_in, rng, now, objections, radius, stories[customer[0]],
                                 products))
    return visits


def _story(rng: random.Random) -> str | None:
    """The problem a customer keeps raising over these weeks, if any (for top recurring problems)."""
    if rng.random() > 0.22:
        return None
    kinds, weights = zip(*STORY_KINDS, strict=True)
    return rng.choices(kinds, weights)[0]


def _visit(rep: _Rep, customer: tuple, checked_in: datetime, rng: random.Random, now: datetime,
           objections: list[int], radius: int, story: str | None, products: dict[int, str]) -> Visit:
    customer_id, _name, latitude, longitude, grade = customer
    lat, lon, distance, flag = _check_in(latitude, longitude, rng, rep.far_rate, radius)
    stay = timedelta(minutes=rng.uniform(25, 70))
    if rng.random() < rep.on_time:
        delay = stay + timedelta(minutes=rng.uniform(3, 60))
    else:
        delay = timedelta(hours=rng.uniform(2.2, 20))
    recorded = min(checked_in + delay, now - timedelta(minutes=rng.uniform(1, 30)))
    recorded = max(recorded, checked_in + timedelta(minutes=5))
    device_recorded = recorded - timedelta(seconds=rng.uniform(1, 20))
    if rng.random() < 0.03:  # saved offline at the customer, synced hours later (still late on the server)
        device_recorded = checked_in + stay
    product = rng.choice(rep.products) if rng.random() < 0.85 else None
    follow_up = _local((checked_in + timedelta(days=rng.randint(3, 14))).date(), rng.choice((60, 300, 420)))
    pains = rng.sample(PAIN_KEYWORDS[:10], rng.randint(1, 2))
    if story and rng.random() < 0.3 and story in ("stock_out", "competitor_entry"):
        pains.append({"stock_out": "缺货", "competitor_entry": "竞品进场"}[story])
    return Visit(
        client_id=uuid.UUID(int=rng.getrandbits(128)), customer_id=customer_id, owner_id=rep.id,
        status=VisitStatus.RECORDED, checked_in_at=checked_in, checkin_latitude=lat, checkin_longitude=lon,
        checkin_distance_m=distance, checkin_flag=flag, pain_keywords=pains,
        committed_action=rng.choice(COMMITTED).format(product=products.get(product, "")),
        next_follow_up_at=follow_up, focus_product_id=product,
        key_demands=rng.sample(KEY_DEMANDS, rng.randint(1, 2)), tomorrow_action=rng.choice(TOMORROW),
        competitor_price=Decimal(rng.randrange(1200, 98000, 100)) if rng.random() < 0.25 else None,
        stock_level=rng.randint(0, 300) if rng.random() < 0.2 else None,
        notes=_notes(rng, story, grade), objection_id=rng.choice(objections) if objections and rng.random() < 0.2
        else None,
        visited_at=checked_in, recorded_at=recorded, device_recorded_at=device_recorded,
        record_delay_s=int((recorded - checked_in).total_seconds()), created_at=recorded, updated_at=recorded)


def _check_in(latitude, longitude, rng: random.Random, far_rate: float, radius: int):
    """(lat, lon, distance, flag) as the service derives them: a few reps sign in from the car park or the office."""
    roll = rng.random()
    if roll < 0.02:
        return None, None, None, CheckInFlag.NO_POSITION
    metres = rng.uniform(1200, 6000) if roll < 0.02 + far_rate else abs(rng.gauss(0, 120))
    angle = rng.uniform(0, 2 * math.pi)
    east_metres_per_degree = METRES_PER_DEGREE * math.cos(math.radians(float(latitude)))
    lat = Decimal(f"{float(latitude) + metres * math.sin(angle) / METRES_PER_DEGREE:.6f}")
    lon = Decimal(f"{float(longitude) + metres * math.cos(angle) / east_metres_per_degree:.6f}")
    distance = round(distance_m(lat, lon, latitude, longitude))
    return lat, lon, distance, CheckInFlag.FAR if distance > radius else CheckInFlag.OK


def _notes(rng: random.Random, story: str | None, grade: str) -> str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(SHORT_NOTES)
    if roll < 0.2:
        return ""
    clauses = [rng.choice(NEUTRAL)]
    if story and rng.random() < 0.55:
        clauses.append(rng.choice(RISKS[story]))
    elif rng.random() < 0.18:
        clauses.append(rng.choice(RISKS[rng.choice(list(RISKS))]))
    if rng.random() < (0.25 if grade in "AB" else 0.12):
        clauses.append(rng.choice(POSITIVE))
    if rng.random() < 0.06:
        clauses.append(rng.choice(NEGATED))
    rng.shuffle(clauses)
    return "，".join(clauses) + "。"


def _plan(rep: _Rep, today: date, rng: random.Random, now: datetime) -> list[Visit]:
    """Today's plan (3–6 stops, in route order), made the evening before."""
    picks = rng.sample(rep.customers, min(len(rep.customers), rng.randint(3, 6)))
    made = now - timedelta(hours=rng.uniform(14, 16))
    return [Visit(client_id=uuid.UUID(int=rng.getrandbits(128)), customer_id=customer[0], owner_id=rep.id,
                  status=VisitStatus.PLANNED, planned_on=today, plan_position=position, created_at=made,
                  updated_at=made)
            for position, customer in enumerate(picks)]


def _promises(visits: list[Visit], reps: list[_Rep], rng: random.Random) -> None:
    """上次承诺已完成 at each visit after the first to a customer, and each visit's action_done from the next one —
    what visit_actions_refresh keeps."""
    keeps = {rep.id: rep.keeps_promises for rep in reps}
    chains: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.status == VisitStatus.RECORDED:
            chains[visit.customer_id].append(visit)
    for chain in chains.values():
        chain.sort(key=lambda visit: visit.visited_at)
        for before, after in zip(chain, chain[1:], strict=False):
            after.previous_action_done = rng.random() < keeps[after.owner_id]
            before.action_done = after.previous_action_done


def _choose_photos(visits: list[Visit], rng: random.Random) -> dict[int, list[str]]:
    """Photo kinds for a few dozen of the latest visits (keyed by id(visit): the rows have no pk yet)."""
    recent = sorted((v for v in visits if v.status == VisitStatus.RECORDED), key=lambda v: v.visited_at)[-400:]
    chosen: dict[int, list[str]] = {}
    total = 0
    for visit in rng.sample(recent, min(len(recent), PHOTOS)):
        kinds = rng.sample([PhotoKind.SHELF, PhotoKind.COMPETITOR, PhotoKind.CHAT], rng.choice((1, 1, 2)))
        chosen[id(visit)] = kinds
        total += len(kinds)
        if total >= PHOTOS:
            break
    return chosen


def _completed(visit: Visit, photo_kinds) -> set[str]:
    """The optional fields that earn points, as services._completed_fields judges them."""
    done = {PHOTO_POINTS[kind] for kind in photo_kinds if kind in PHOTO_POINTS}
    if visit.competitor_price is not None:
        done.add(OptionalField.COMPETITOR_PRICE)
    if visit.stock_level is not None:
        done.add(OptionalField.STOCK_LEVEL)
    if len(visit.notes) >= setting("visits.notes_min_chars"):
        done.add(OptionalField.NOTES)
    return done


def _points_of(visit: Visit, photo_kinds) -> int:
    if visit.status != VisitStatus.RECORDED:
        return 0
    return setting("visits.points_per_field") * len(_completed(visit, photo_kinds))


def _signals(visits: list[Visit], rules) -> dict[int, list]:
    """VisitSignal rows as _signals_refresh writes them; returns what was found per visit id."""
    rows, by_visit = [], {}
    for visit in visits:
        if visit.status != VisitStatus.RECORDED:
            continue
        by_visit[visit.pk] = extract(visit.notes, visit.pain_keywords, rules)
        for found in by_visit[visit.pk]:
            rows.append(VisitSignal(visit_id=visit.pk, customer_id=visit.customer_id, owner_id=visit.owner_id,
                                    kind=found.kind, label=found.label, risk=found.risk, word=found.word[:40],
                                    snippet=found.snippet[:80], found_at=visit.visited_at))
    _insert(VisitSignal, rows)
    return by_visit


def _announce_recent(visits: list[Visit], found: dict[int, list]) -> None:
    """The last working day's visits arrive as the phone's sync announces them (visit.recorded in the outbox, not
    yet delivered), so the worker's first run after `make demo` puts them through the rules — "拜访发现高风险信号"
    makes real to-dos and manager notices from them. Older history stays quiet, like every bulk-loaded record."""
    history = [visit for visit in visits if visit.status == VisitStatus.RECORDED]
    if not history:
        return
    last_day = max(timezone.localtime(visit.visited_at).date() for visit in history)
    rows = []
    for visit in history:
        if timezone.localtime(visit.visited_at).date() != last_day:
            continue
        signals = found[visit.pk]
        high = [f.kind for f in signals if f.risk == "high"]
        previous = {"status": None, **({"has_high_risk_signal": False, "high_risk_signals": []} if high else {}),
                    **({"signals": []} if signals else {})}
        rows.append(Event(name="visit.recorded", entity="visit", entity_id=visit.pk, actor_id=visit.owner_id,
                          created_at=visit.recorded_at, chain=[],
                          payload={"customer": visit.customer_id, "signals": [f.kind for f in signals],
                                   "high_risk": high, "changed": sorted(previous), "previous": previous}))
    Event.objects.bulk_create(sorted(rows, key=lambda event: event.created_at))


def _photos(visits: list[Visit], photo_of: dict[int, list[str]], rng: random.Random) -> None:
    """Real JPEGs with the EXIF a phone writes, read back and flagged by the upload checks (V3)."""
    customers = {pk: (lat, lon) for pk, lat, lon in Customer.objects.filter(
        pk__in={v.customer_id for v in visits if id(v) in photo_of}).values_list("pk", "latitude", "longitude")}
    limits = {"max_bytes": setting("visits.photo_max_mb") * 1024 * 1024,
              "max_pixels": setting("visits.photo_max_megapixels") * 1_000_000}
    for visit in visits:
        for kind in photo_of.get(id(visit), ()):
            lat, lon = customers[visit.customer_id]
            data = _jpeg(kind, visit, lat, lon, rng)
            info = photo_checks.read_image(data, **limits)
            flags = photo_checks.photo_flags(
                info, visit_at=visit.device_recorded_at or visit.visited_at, customer_lat=float(lat),
                customer_lon=float(lon), max_distance_m=setting("visits.photo_radius_m"),
                max_age_minutes=setting("visits.photo_max_age_minutes"))
            distance = (round(distance_m(info.latitude, info.longitude, lat, lon))
                        if info.latitude is not None and info.longitude is not None else None)
            photo = VisitPhoto(client_id=uuid.UUID(int=rng.getrandbits(128)), visit_id=visit.pk, kind=kind,
                               content_type=info.content_type, size=len(data), width=info.width, height=info.height,
                               taken_at=info.taken_at, distance_m=distance, flags=flags,
                               latitude=_coordinate(info.latitude), longitude=_coordinate(info.longitude),
                               created_at=visit.recorded_at)
            photo.file.save(f"{uuid.UUID(int=rng.getrandbits(128)).hex}.jpg", ContentFile(data), save=False)
            photo.save()


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _jpeg(kind: str, visit: Visit, lat, lon, rng: random.Random) -> bytes:
    """A 320×240 picture of a shelf, a rival's display or a chat, with DateTimeOriginal and GPS — mostly taken at
    the visit; a few taken elsewhere, long before, or with the EXIF stripped, as real phones deliver them."""
    image = Image.new("RGB", (320, 240), (236, 232, 224) if kind != PhotoKind.CHAT else (237, 237, 237))
    draw = ImageDraw.Draw(image)
    if kind == PhotoKind.CHAT:
        for row in range(5):
            left = row % 2 == 0
            top = 20 + row * 42
            draw.rounded_rectangle((12, top, 190, top + 30) if left else (130, top, 308, top + 30), radius=8,
                                   fill=(255, 255, 255) if left else (149, 236, 105))
    else:
        palette = [(196, 60, 50), (40, 110, 180), (230, 170, 40), (70, 150, 90)] if kind == PhotoKind.SHELF else \
            [(120, 40, 140), (200, 200, 210), (90, 90, 100)]
        for shelf in range(4):
            top = 15 + shelf * 56
            draw.rectangle((8, top + 44, 312, top + 50), fill=(120, 100, 80))
            x = 12
            while x < 300:
                width = rng.randint(14, 30)
                draw.rectangle((x, top + rng.randint(0, 12), x + width, top + 43), fill=rng.choice(palette))
                x += width + 3
    roll = rng.random()
    buffer = io.BytesIO()
    if roll < 0.06:
        image.save(buffer, "JPEG", quality=70)  # EXIF stripped (sent through a chat app)
        return buffer.getvalue()
    taken = visit.visited_at + timedelta(minutes=rng.uniform(5, 25))
    if roll < 0.12:
        taken -= timedelta(days=rng.randint(2, 20))  # an old photo from the gallery
    place = (float(lat), float(lon))
    if 0.12 <= roll < 0.18:
        place = (place[0] + rng.uniform(0.03, 0.08), place[1] + rng.uniform(0.03, 0.08))  # taken kilometres away
    else:
        place = (place[0] + rng.uniform(-0.0006, 0.0006), place[1] + rng.uniform(-0.0006, 0.0006))
    exif = Image.Exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    local = timezone.localtime(taken)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = local.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLongitudeRef] = "N", "E"

    def dms(degrees: float):
        whole = int(degrees)
        minutes = int((degrees - whole) * 60)
        seconds = (degrees - whole - minutes / 60) * 3600
        return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 10000), 10000)

    gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLongitude] = dms(place[0]), dms(place[1])
    image.save(buffer, "JPEG", quality=70, exif=exif.tobytes())
    return buffer.getvalue()


def _ledger(visits: list[Visit], photo_of: dict[int, list[str]], rng: random.Random, now: datetime) -> None:
    """A points entry per completed optional field (as _points_award writes them), and a few redemptions."""
    each = setting("visits.points_per_field")
    entries = []
    balance: dict[int, int] = defaultdict(int)
    for visit in visits:
        if visit.status != VisitStatus.RECORDED:
            continue
        for name in sorted(_completed(visit, photo_of.get(id(visit), ()))):
            entries.append(PointEntry(user_id=visit.owner_id, visit_id=visit.pk, field=name, points=each,
                                      created_at=visit.recorded_at))
            balance[visit.owner_id] += each
    rewards = list(Reward.objects.filter(is_active=True).order_by("cost"))
    for user_id in sorted(balance, key=balance.get, reverse=True)[:3]:
        reward = rng.choice(rewards[:2]) if rewards else None
        if reward is not None and balance[user_id] >= reward.cost:
            entries.append(PointEntry(user_id=user_id, reward=reward, points=-reward.cost,
                                      created_at=now - timedelta(days=rng.randint(3, 20), hours=rng.randint(1, 8))))
    _insert(PointEntry, entries)


def _timers(visits: list[Visit], now: datetime) -> None:
    """The follow-up reminders still to come (V4), as _follow_up_clock starts them."""
    Timer.objects.bulk_create([
        Timer(kind=FOLLOW_UP_TIMER, key=f"visit:{visit.pk}:follow_up", entity="visit", entity_id=visit.pk,
              due_at=visit.next_follow_up_at, created_at=visit.recorded_at)
        for visit in visits if visit.status == VisitStatus.RECORDED and visit.next_follow_up_at > now],
        batch_size=2000)
