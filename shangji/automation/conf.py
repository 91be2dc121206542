"""Settings of the automation platform and of the shipped default rules (DESIGN rule 6)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.core.registry import register

HOURS = pgettext_lazy("unit", "小时")
register("automation.max_chain_depth", "int", 5, _("规则连锁触发上限"),
         _("一条规则的动作引发的事件再触发其他规则，连锁超过此层数即停止（防止规则循环）。"), spec="A1",
         minimum=1, maximum=20)
register("automation.proposal_review_due_hours", "int", 72, _("方案评审待办期限"),
         _("商机进入“方案提交”后，给售前的评审待办在此时长内到期。"), spec="A1", unit=HOURS, minimum=1, maximum=720)
register("automation.proposal_escalation_hours", "int", 72, _("方案评审超时上报"),
         _("商机进入“方案提交”后超过此时长仍有未完成待办，上报部门负责人。"), spec="A1", unit=HOURS,
         minimum=1, maximum=720)
register("automation.feedback_reminder_hours", "int", 48, _("方案反馈提醒"),
         _("进入“方案提交”后超过此时长仍未记录客户反馈，提醒负责人。"), spec="P2", unit=HOURS, minimum=1,
         maximum=720)
register("automation.big_deal_amount", "decimal", Decimal("50000"), _("协同商机金额"),
         _("单笔采购额超过此金额且有定制需求的商机，推送售前技术协同与方案协同待办。"), spec="P5",
         unit=pgettext_lazy("unit", "元"), minimum=0)
register("automation.stagnation_days", "int", 30, _("停滞预警天数"),
         _("商机在同一阶段无进展超过此天数且金额超过预警金额时，提醒负责人及其上级。"), spec="P6",
         unit=pgettext_lazy("unit", "天"), minimum=1, maximum=365)
register("automation.stagnation_amount", "decimal", Decimal("50000"), _("停滞预警金额"),
         _("只对金额超过此值的停滞商机发出预警。"), spec="P6", unit=pgettext_lazy("unit", "元"), minimum=0)
register("automation.log_not_matched", "bool", False, _("记录未触发的运行"),
         _("开启后，事件触发的规则即使条件不满足也写入运行记录（便于排查，但记录量大）。计时规则到期时的检查总会记录。"),
         spec="A1")
