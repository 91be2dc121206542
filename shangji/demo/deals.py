"""Opportunities with product lines and a realistic stage history (P1, P4), built one batch at a time.

Each deal follows the pipeline `opportunity_create` would pick for it (P3: 大客户流程 for large
customers, 小额快速 for small amounts, else the default). Every history starts with the creation row
(from_stage=None) and then records each move with `seconds_in_from_stage`, `is_regression` and
`is_skip` computed exactly as `opportunity_move` does (in the deal's pipeline order), so reports cannot
tell seeded history from history made through the app. Some deals carry the P2 evidence of the gated
stages they went through (see `shangji.demo.evidence`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from shangji.core.models import Attachment
from shangji.demo.bulk import Table
from shangji.demo.evidence import ATTACHMENT_COLUMNS, SUBMISSION_COLUMNS, Evidence
from shangji.demo.names import Weighted
from shangji.demo.org import DemoOrg
from shangji.demo.records import DAY, HISTORY_DAYS, CustomerStub
from shangji.pipeline.models import (
    FormSubmission,
    LostReason,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Product,
    Stage,
    StageChange,
)
from shangji.pipeline.pipelines import classify

WON_RATE = 0.30
LOST_RATE = 0.25
STALL_RATE = 0.105  # a few planned stalls fall on customers too new to have stalled
# Conditional on the path allowing it; tuned so ~8 % of all deals regress and ~4 % skip a stage.
REGRESSION_GIVEN_ELIGIBLE = 0.145
SKIP_GIVEN_ELIGIBLE = 0.065
_LOST = -1  # path marker for the lost stage
_PROJECTS = {
    "智能制造软件": ("MES 项目", "数字化工厂一期", "仓储系统升级", "质量追溯系统", "排产优化项目"),
    "工业物联网": ("设备联网项目", "物联网平台建设", "AGV 物流改造", "能耗监测项目"),
    "视觉检测设备": ("视觉检测改造", "外观检测自动化", "来料检测项目"),
    "服务与维保": ("年度维保续约", "系统升级服务", "数字化咨询"),
}
_ANY_PROJECTS = tuple(p for projects in _PROJECTS.values() for p in projects)
_LOST_NOTES = ("客户最终选择了价格更低的方案。", "预算被总部冻结，明年再议。", "对方技术负责人离职，项目搁置。",
               "竞品提前做了样板线。", "")
_REGRESSION_NOTES = ("客户需求调整，重新确认范围。", "方案评审未通过，需要重新梳理需求。", "", "")
_LINE_COUNT = Weighted((0, 1, 2, 3), (35, 30, 20, 15))
_START = Weighted((0, 1, 2), (75, 15, 10))  # most deals start as 线索; some are entered later in the funnel
_GRADE_FACTOR = {"A": 1.8, "B": 1.2, "C": 0.9, "D": 0.6}
_GRADE_DEAL_WEIGHT = {"A": 4.0, "B": 2.0, "C": 1.0, "D": 0.4}
MIN_AMOUNT, MAX_AMOUNT = 20_000, 5_000_000
# P3: small purchases (spare parts, a training) that take the 小额快速 pipeline.
SMALL_DEAL_RATE = 0.06
SMALL_MIN_AMOUNT, SMALL_MAX_AMOUNT = 2_000, 19_000
_SMALL_PROJECTS = ("备件采购", "传感器补货", "相机更换", "现场培训", "小批量采购")


OPPORTUNITY_COLUMNS = ("id", "name", "customer_id", "owner_id", "region_id", "stage_id", "amount", "currency",
                       "expected_close_date", "lost_reason_id", "lost_note", "description", "stage_entered_at",
                       "closed_at", "version", "created_by_id", "created_at", "updated_at", "pipeline_id")
LINE_COLUMNS = ("opportunity_id", "product_id", "quantity", "unit_price")
STAGE_CHANGE_COLUMNS = ("opportunity_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by_id",
                        "seconds_in_from_stage", "is_regression", "is_skip", "note")


@dataclass
class DealBatch:
    """Rows as tuples in the *_COLUMNS order."""

    opportunities: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    submissions: list[tuple] = field(default_factory=list)
    attachments: list[tuple] = field(default_factory=list)


class DealTables:
    def __init__(self) -> None:
        self.opportunities = Table(Opportunity, OPPORTUNITY_COLUMNS)
        self.lines = Table(OpportunityLine, LINE_COLUMNS)
        self.changes = Table(StageChange, STAGE_CHANGE_COLUMNS)
        self.submissions = Table(FormSubmission, SUBMISSION_COLUMNS)
        self.attachments = Table(Attachment, ATTACHMENT_COLUMNS)

    def write(self, batch: DealBatch) -> None:
        self.opportunities.insert(batch.opportunities)
        self.lines.insert(batch.lines)
        self.changes.insert(batch.changes)
        self.submissions.insert(batch.submissions)
        self.attachments.insert(batch.attachments)


class Flow:
    """One pipeline's stage chain as the generator walks it (P3)."""

    def __init__(self, pipeline: Pipeline, order: list[Stage], lost_fallback: list[Stage]) -> None:
        self.pipeline = pipeline
        self.order = order  # active stages in the pipeline's order: what `classify` compares against
        self.open = [s for s in order if not s.is_closed]
        won = [s for s in order if s.is_won]
        lost = [s for s in order if s.is_lost] or lost_fallback
        if not self.open or not won or not lost:
            raise ValueError(f"演示数据需要流程“{pipeline.name}”至少有一个进行中阶段、一个赢单阶段和"
                             "一个输单阶段（均为启用状态）。")
        self.chain = [*self.open, won[0]]  # path indices point into this list; _LOST is the lost stage
        self.lost = lost[0]
        n = len(self.open)
        # Where open and lost deals stop: the middle of the funnel more than its ends.
        self.end = Weighted(range(n), [1.0 + (2.0 if 0 < i < n - 1 else 0.0) for i in range(n)])

    def stage(self, index: int) -> Stage:
        return self.lost if index == _LOST else self.chain[index]


class DealFactory:
    def __init__(self, *, rng: random.Random, org: DemoOrg, pipelines: list[tuple[Pipeline, list[Stage]]],
                 lost_reasons: list[LostReason], products: list[Product], now: datetime, stuck_days: int,
                 evidence: Evidence | None = None) -> None:
        self.rng, self.org, self.products = rng, org, products
        self.now_ts = now.timestamp()
        self.stuck_seconds = stuck_days * DAY
        active_pipelines = [(p, order) for p, order in pipelines if p.is_active]
        lost_anywhere = [s for _p, order in active_pipelines for s in order if s.is_lost]
        self.flows = [Flow(p, order, lost_anywhere) for p, order in active_pipelines]
        if not self.flows:
            raise ValueError("演示数据需要至少一个启用的销售流程。")
        # The order `pipeline_for` tries them in: by priority, the default pipeline last.
        self.by_priority = sorted((f for f in self.flows if not f.pipeline.is_default),
                                  key=lambda f: (f.pipeline.priority, f.pipeline.pk))
        self.default = next((f for f in self.flows if f.pipeline.is_default), self.flows[0])
        self.lost_reasons = lost_reasons
        self.evidence = evidence

    def flow_for(self, scale: str, amount: Decimal) -> Flow:
        """The pipeline `opportunity_create` would choose for a new deal at its first stage."""
        for flow in self.by_priority:
            if flow.pipeline.matches(scale=scale, amount=amount):
                return flow
        return self.default

    def classify(self, flow: Flow, from_stage: Stage, to_stage: Stage) -> tuple[bool, bool]:
        """(is_regression, is_skip), the same answer as `opportunity_move` gives in this pipeline."""
        return classify(flow.order, from_stage, to_stage)

    def plan_path(self, flow: Flow) -> tuple[list[int], str]:
        """Stage indices in visiting order (the first is where the deal was created) and the outcome."""
        rng, n = self.rng, len(flow.open)
        roll = rng.random()
        outcome = ("won" if roll < WON_RATE else "lost" if roll < WON_RATE + LOST_RATE
                   else "stalled" if roll < WON_RATE + LOST_RATE + STALL_RATE else "open")
        start = min(_START.pick(rng), n - 1)
        end = n if outcome == "won" else flow.end.pick(rng)
        path = list(range(min(start, end), end + 1))
        skippable = [i for i in range(len(path) - 2) if path[i + 2] == path[i] + 2]
        if skippable and rng.random() < SKIP_GIVEN_ELIGIBLE:
            del path[rng.choice(skippable) + 1]
        # A regression steps back from 方案提交 or later (谈判 → 需求确认) and usually climbs again.
        turns = [i for i, index in enumerate(path) if 3 <= index < n]
        if turns and rng.random() < REGRESSION_GIVEN_ELIGIBLE:
            at = rng.choice(turns)
            top = path[at]
            back = max(1, top - rng.choice((1, 2)))
            rest = path[at + 1:]
            if outcome in ("open", "stalled") and not rest and rng.random() < 0.4:
                path = [*path[:at + 1], back]
            else:
                path = [*path[:at + 1], *range(back, top + 1), *rest]
        if outcome == "lost":
            path.append(_LOST)
        return path, outcome

    def _times(self, moves: int, outcome: str, window_start: float) -> list[float]:
        """Timestamps of the creation and each move: strictly increasing, inside the window."""
        rng, now = self.rng, self.now_ts
        dwell = [min(max(rng.lognormvariate(math.log(14 * DAY), 0.8), 2 * 3600), 150 * DAY) for _ in range(moves)]
        total = sum(dwell)
        stuck_edge = now - self.stuck_seconds
        if outcome == "stalled" and window_start >= stuck_edge - DAY:
            outcome = "open"  # the customer is too new for a deal to have stalled
        if outcome in ("won", "lost"):
            created = window_start + rng.random() * (now - window_start) * 0.85
            room = now - 3600 - created
            last = None
        elif outcome == "stalled":
            last = stuck_edge - DAY - (stuck_edge - DAY - window_start) * rng.random() ** 1.5
            room = last - window_start
        else:
            recent = min(rng.expovariate(1 / (20 * DAY)), self.stuck_seconds - 2 * DAY)
            last = max(now - recent, window_start + (now - window_start) * rng.random())
            room = last - window_start
        if total > room:
            scale = room * rng.uniform(0.5, 0.95) / total
            dwell = [d * scale for d in dwell]
        dwell = [max(60.0, float(int(d))) for d in dwell]
        if last is None:
            times = [float(int(created))]
        else:
            times = [float(int(last - sum(dwell)))]
        for d in dwell:
            times.append(times[-1] + d)
        return times

    def _amount_and_lines(self, grade: str, opportunity_id: int) -> tuple[Decimal, list[tuple], str]:
        rng = self.rng
        if rng.random() < SMALL_DEAL_RATE:
            return self._small_amount_and_lines(opportunity_id)
        target = rng.lognormvariate(math.log(250_000), 0.9) * _GRADE_FACTOR[grade]
        target = min(max(target, MIN_AMOUNT), MAX_AMOUNT)
        count = min(_LINE_COUNT.pick(rng), len(self.products))
        if not count:
            return Decimal(int(target / 100) * 100), [], rng.choice(_ANY_PROJECTS)
        products = rng.sample(self.products, count)
        shares = [rng.uniform(0.5, 1.5) for _ in products]
        lines, amount = [], Decimal(0)
        for product, share in zip(products, shares, strict=True):
            part = target * share / sum(shares)
            price = float(product.list_price) or part
            quantity = max(1, min(999, round(part / price)))
            unit_price = Decimal(max(1, round(part / quantity)))
            lines.append((opportunity_id, product.pk, Decimal(quantity), unit_price))
            amount += quantity * unit_price
        project = rng.choice(_PROJECTS.get(products[0].product_line, _ANY_PROJECTS))
        return amount, lines, project

    def _small_amount_and_lines(self, opportunity_id: int) -> tuple[Decimal, list[tuple], str]:
        rng = self.rng
        target = rng.uniform(SMALL_MIN_AMOUNT, SMALL_MAX_AMOUNT)
        cheap = [product for product in self.products if 0 < product.list_price <= target]
        if not cheap:
            return Decimal(int(target / 100) * 100), [], rng.choice(_SMALL_PROJECTS)
        product = rng.choice(cheap)
        quantity = max(1, int(Decimal(str(int(target))) // product.list_price))
        line = (opportunity_id, product.pk, Decimal(quantity), product.list_price)
        return quantity * product.list_price, [line], rng.choice(_SMALL_PROJECTS)

    def build(self, customers: list[CustomerStub], count: int, *, first_id: int) -> DealBatch:
        batch = DealBatch()
        if not customers or count <= 0:
            return batch
        rng = self.rng
        weights = [_GRADE_DEAL_WEIGHT.get(c.grade, 1.0) for c in customers]
        for opportunity_id, customer in zip(range(first_id, first_id + count),
                                            rng.choices(customers, weights, k=count), strict=True):
            self._deal(batch, opportunity_id, customer)
        return batch

    def _deal(self, batch: DealBatch, opportunity_id: int, customer: CustomerStub) -> None:
        rng = self.rng
        owner_id = customer.owner_id
        teammates = self.org.teammates.get(owner_id)
        if teammates and rng.random() < 0.12:
            owner_id = rng.choice(teammates)  # a colleague runs this deal for the account owner
        amount, lines, project = self._amount_and_lines(customer.grade, opportunity_id)
        batch.lines.extend(lines)
        flow = self.flow_for(customer.scale, amount)
        path, outcome = self.plan_path(flow)
        window_start = max(self.now_ts - HISTORY_DAYS * DAY, customer.created_at.timestamp() + 3600)
        times = self._times(len(path) - 1, outcome, window_start)
        at = [datetime.fromtimestamp(ts, tz=UTC) for ts in times]
        stages = [flow.stage(index) for index in path]
        batch.changes.append((opportunity_id, None, stages[0].pk, at[0], owner_id, None, False, False, ""))
        for i in range(1, len(stages)):
            is_regression, is_skip = self.classify(flow, stages[i - 1], stages[i])
            batch.changes.append((
                opportunity_id, stages[i - 1].pk, stages[i].pk, at[i], owner_id, int(times[i] - times[i - 1]),
                is_regression, is_skip, rng.choice(_REGRESSION_NOTES) if is_regression else ""))
        final, entered = stages[-1], at[-1]
        if self.evidence is not None:
            self.evidence.add(batch, rng=rng, opportunity_id=opportunity_id, owner_id=owner_id,
                              pipeline=flow.pipeline, order=flow.order, stages=stages, at=at,
                              short_name=customer.short_name)
        if final.is_closed:
            expected = date.fromordinal(entered.date().toordinal() + rng.randint(-30, 20))
        elif entered.timestamp() < self.now_ts - self.stuck_seconds:
            expected = date.fromordinal(entered.date().toordinal() + rng.randint(20, 90))  # long overdue
        else:
            expected = date.fromordinal(datetime.fromtimestamp(self.now_ts, tz=UTC).date().toordinal()
                                        + rng.randint(-10, 150))
        lost_reason_id = rng.choice(self.lost_reasons).pk if final.is_lost and self.lost_reasons else None
        separator = " " if project[0].isascii() else ""
        batch.opportunities.append((
            opportunity_id, f"{customer.short_name}{separator}{project}"[:120], customer.id, owner_id,
            self.org.region_of_city.get(customer.city_id), final.pk, amount, "CNY", expected, lost_reason_id,
            rng.choice(_LOST_NOTES) if final.is_lost else "", "", entered, entered if final.is_closed else None,
            len(stages), owner_id, at[0], entered, flow.pipeline.pk))
