"""Settings of the customer master (DESIGN rule 6)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from shangji.core.registry import register

register("customers.match_strong_threshold", "decimal", Decimal("0.85"), _("强匹配阈值"),
         _("查重得分达到此值视为疑似重复，新建客户需填写理由。"), spec="C1", minimum=0, maximum=1)
register("customers.match_show_threshold", "decimal", Decimal("0.45"), _("查重展示阈值"),
         _("查重得分达到此值的候选客户才会显示。"), spec="C1", minimum=0, maximum=1)
register("customers.match_max_candidates", "int", 10, _("查重候选数量"), _("查重结果最多显示的候选客户数。"),
         spec="C1", minimum=1, maximum=50)
register("customers.match_candidates_per_key", "int", 200, _("每个查重键的候选上限"),
         _("查重时每个索引键最多取出的候选客户数：越大越不易漏掉，查询也越慢。"), spec="C2", minimum=20, maximum=5000)
register("customers.code_prefix", "str", "KH", _("客户编号前缀"), _("新客户编号 = 前缀 + 8 位流水号。"), spec="C1")
register("customers.name_max_length", "int", 100, _("客户名称最大长度"), _("超过此长度的名称会被拒绝。"), spec="C3",
         minimum=10, maximum=200)
