"""The vocabularies a new company starts with (installed by migration 0002; sales ops edit them afterwards)."""

from django.utils import timezone

from shangji.visits.signals import DEFAULT_RULES

OBJECTIONS = (
    ("价格太高", (
        ("算总账", "先认同客户对成本的关注，再把单价换算成每月使用成本和节省的人工、损耗，用同类客户的数据说话。"),
        ("分期与阶梯价", "了解客户预算周期，提供分批采购或阶梯价方案，强调首批小量试用降低决策风险。"),
    )),
    ("已有供应商", (
        ("做补充而不是替换", "不否定现有供应商，提出作为第二供应商保障供货稳定，从一个品类或一个门店开始。"),
        ("对比服务响应", "请客户回忆最近一次缺货或售后等待的时间，说明我们的到货时效和本地服务团队。"),
    )),
    ("暂时不需要", (
        ("找到触发点", "询问客户今年的重点目标和最头疼的问题，把产品和这些目标联系起来，约定下次回访时间。"),
    )),
    ("需要请示领导", (
        ("帮客户准备汇报材料", "主动提供一页纸方案和同行案例，询问领导最关心的指标，争取一起参加汇报。"),
    )),
    ("担心质量和售后", (
        ("用案例和承诺打消顾虑", "展示同城同行业客户的使用情况和质检报告，说明退换货与上门服务承诺。"),
    )),
)


def install(apps) -> None:
    """Signal dictionary, objection types and their talk tracks, unless the company already has them."""
    SignalKind = apps.get_model("visits", "SignalKind")
    ObjectionType = apps.get_model("visits", "ObjectionType")
    TalkTrack = apps.get_model("visits", "TalkTrack")
    if not SignalKind.objects.exists():
        SignalKind.objects.bulk_create([
            SignalKind(code=rule.kind, label=rule.label, risk=rule.risk, words=list(rule.words), sequence=position)
            for position, rule in enumerate(DEFAULT_RULES)])
    if not ObjectionType.objects.exists():
        for position, (name, tracks) in enumerate(OBJECTIONS):
            objection = ObjectionType.objects.create(name=name, sequence=position)
            TalkTrack.objects.bulk_create([TalkTrack(objection=objection, title=title, answer=answer, sequence=order)
                                           for order, (title, answer) in enumerate(tracks)])


# V2: a high-risk signal in a visit becomes a to-do for the rep and a notice to their manager — an ordinary,
# editable automation rule (installed by migration 0005; the signal words and risk levels are the dictionary's).
RULE_KEYS = ["visit-high-risk-signal"]


def install_rules(Rule) -> None:  # noqa: N803  (historical model from migrations)
    """Create the shipped visit rules unless a rule with their key exists (an edited one is left as it is)."""
    now = timezone.now()
    Rule.objects.get_or_create(key="visit-high-risk-signal", defaults=dict(
        name="拜访发现高风险信号", sequence=200, entity="visit", trigger="condition_true",
        description="拜访记录中出现高风险信号（缺货、竞品进场、投诉、回款、客户流失风险等，见信号词典）时，"
                    "给拜访人创建处理待办，并通知其上级（V2）。",
        conditions={"match": "all", "items": [{"field": "has_high_risk_signal", "op": "is_true"}]},
        actions=[
            {"type": "create_task", "to": [{"kind": "owner"}], "title": "处理{high_risk_signals}：{customer.name}",
             "body": "{visited_at} 拜访发现：{high_risk_evidence}。本次承诺动作：{committed_action}。",
             "due_setting": "visits.high_risk_todo_hours"},
            {"type": "notify", "to": [{"kind": "manager", "levels": 1}],
             "title": "拜访发现高风险信号：{customer.name}（{high_risk_signals}）",
             "body": "{owner} 于 {visited_at} 拜访 {customer.name}（{customer.grade}）发现：{high_risk_evidence}。"
                     "已给 {owner} 创建处理待办。"},
        ],
        created_at=now, updated_at=now))
