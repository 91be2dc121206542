"""The vocabularies a new company starts with (installed by migration 0002; sales ops edit them afterwards)."""

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
