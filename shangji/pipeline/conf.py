"""Settings of the pipeline (DESIGN rule 6)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.core.registry import register

register("pipeline.stuck_days", "int", 90, _("停滞天数"),
         _("商机在同一阶段停留超过此天数时，在列表与看板上标为“停滞”。"), spec="P4",
         unit=pgettext_lazy("unit", "天"), minimum=1, maximum=3650)
register("pipeline.max_amount", "decimal", Decimal("9999999999.99"), _("商机金额上限"),
         _("超过此金额的商机视为录入错误而拒绝。"), spec="P1", unit=pgettext_lazy("unit", "元"), minimum=1)
register("pipeline.kanban_cards_per_column", "int", 30, _("看板每列卡片数"),
         _("看板每个阶段列最多显示的卡片数（合计仍按全部商机计算）。"),
         spec="P4", minimum=5, maximum=200)
register("pipeline.fast_deal_max_amount", "decimal", Decimal("20000"), _("小额快速流程金额上限"),
         _("安装默认流程时，“小额快速”流程的金额上限；之后在“销售流程”配置页按流程修改。"),
         spec="P3", unit=pgettext_lazy("unit", "元"), minimum=0)
