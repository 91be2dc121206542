"""P1 default stages and lost reasons — installed by a data migration, editable afterwards."""

STAGES = [
    # name, English name, sequence, default probability %, is_won, is_lost
    ("线索", "Lead", 10, 5, False, False),
    ("接触", "Contact", 20, 10, False, False),
    ("需求确认", "Needs confirmed", 30, 25, False, False),
    ("方案提交", "Proposal", 40, 50, False, False),
    ("谈判", "Negotiation", 50, 75, False, False),
    ("成交", "Won", 60, 100, True, False),
    ("输单", "Lost", 70, 0, False, True),
]
LOST_REASONS = ["价格太高", "选择了竞品", "预算取消", "需求变化", "决策人变更", "无法满足技术要求", "失去联系", "其他"]


def install_defaults(stage_model, lost_reason_model) -> None:
    """Create missing defaults; takes the models so migrations can pass their historical versions."""
    for name, name_en, sequence, probability, is_won, is_lost in STAGES:
        stage_model.objects.get_or_create(name=name, defaults={
            "name_en": name_en, "sequence": sequence, "probability": probability, "is_won": is_won,
            "is_lost": is_lost})
    for name in LOST_REASONS:
        lost_reason_model.objects.get_or_create(name=name)
