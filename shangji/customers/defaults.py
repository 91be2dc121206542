"""Default industries (configurable vocabulary, DESIGN rule 7)."""

INDUSTRIES = ["制造业", "快消品", "医疗器械", "软件与信息技术", "工业自动化", "电子与3C", "建筑与工程", "物流",
              "零售与连锁", "教育", "金融", "能源与化工", "食品饮料", "汽车及零部件", "其他"]


def install_defaults(industry_model) -> None:
    for sequence, name in enumerate(INDUSTRIES):
        industry_model.objects.get_or_create(name=name, defaults={"sequence": sequence})
