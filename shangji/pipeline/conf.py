"""Settings of the pipeline (DESIGN rule 6)."""

from decimal import Decimal

from shangji.core.registry import register

register("pipeline.stuck_days", "int", 90, "停滞天数", "商机在同一阶段停留超过此天数时，在列表与看板上标为“停滞”。",
         spec="P4", unit="天", minimum=1, maximum=3650)
register("pipeline.max_amount", "decimal", Decimal("9999999999.99"), "商机金额上限",
         "超过此金额的商机视为录入错误而拒绝。", spec="P1", unit="元", minimum=1)
register("pipeline.kanban_cards_per_column", "int", 30, "看板每列卡片数",
         "看板每个阶段列最多显示的卡片数（合计仍按全部商机计算）。",
         spec="P4", minimum=5, maximum=200)
