"""Settings of the leads engine (DESIGN rule 6): every number below is a default sales ops can change."""

from django.utils.translation import gettext_lazy as _

from shangji.core.registry import register

# L1 capture and abuse limits
register("leads.intake_ip_per_minute", "int", 20, _("单个 IP 每分钟提交上限"),
         _("公开表单和接入接口：同一 IP 每分钟最多提交的线索数，超出返回“提交过于频繁”。"), spec="L1", minimum=1,
         maximum=100000)
register("leads.intake_campaign_per_minute", "int", 30000, _("单个活动每分钟提交上限"),
         _("同一市场活动每分钟最多接收的线索数，防止刷量。"), spec="L1", minimum=1, maximum=1000000)
register("leads.intake_max_text", "int", 1000, _("需求描述最大长度"), _("公开表单“需求描述”最多字数。"), spec="L1",
         minimum=50, maximum=10000)
register("leads.intake_max_body_kb", "int", 16, _("接入请求大小上限（KB）"),
         _("公开接入接口单次请求的最大大小；一条线索通常只有几百字节。"), spec="L1", unit="KB", minimum=1, maximum=1024)
register("leads.import_max_rows", "int", 5000, _("单次导入行数上限"), _("CSV/Excel 导入一次最多的行数。"), spec="L1",
         minimum=10, maximum=100000)
register("leads.process_batch", "int", 50, _("后台每批处理线索数"),
         _("后台一次最多评分并分配的新线索数：到达越快，批越大，每条线索的开销越小；每秒几条时一批只有一条。"),
         spec="L4", minimum=1, maximum=1000)
# L3 rule score
register("leads.score_base", "int", 40, _("基础分"), _("规则评分的起点分数。"), spec="L3", minimum=0, maximum=100)
register("leads.weight_win_rate", "int", 20, _("权重：同类线索历史转化率"),
         _("同行业、同渠道的历史线索转化率高于（低于）整体时最多加（减）的分数。"), spec="L3", minimum=0, maximum=100)
register("leads.weight_industry", "int", 18, _("权重：行业匹配"),
         _("线索行业属于目标行业时加的分数；非目标行业减其三分之一。"), spec="L3", minimum=0, maximum=100)
register("leads.target_industries", "str", "制造业,工业自动化,汽车及零部件", _("目标行业"),
         _("行业匹配使用的目标行业，用逗号分隔；留空则以活动的目标行业为准。"), spec="L3")
register("leads.weight_budget", "int", 16, _("权重：预算"),
         _("预算 100 万以上加满分，10 万以下不加分，未填写减三分之一。"),
         spec="L3", minimum=0, maximum=100)
register("leads.weight_behaviour", "int", 10, _("权重：行为（停留、下载）"),
         _("页面停留达到设定秒数加一半，下载资料再加一半。"), spec="L3", minimum=0, maximum=100)
register("leads.engaged_page_seconds", "int", 60, _("有效停留秒数"), _("页面停留达到此秒数视为有效浏览。"), spec="L3",
         unit="s", minimum=1, maximum=3600)
register("leads.weight_firmographics", "int", 10, _("权重：企业规模与信息完整度"),
         _("大型企业加满分、中型加一半；没有公司名减此分数的六成。"), spec="L3", minimum=0, maximum=100)
register("leads.model_share", "int", 50, _("预测模型占比（%）"),
         _("有可用的预测模型时，总分 = 规则分 ×（1 − 占比）+ 模型分 × 占比。"), spec="L3", minimum=0, maximum=100)
register("leads.model_min_class_count", "int", 30, _("训练所需最少样本"),
         _("已转化和未转化的已关闭线索各至少这么多条，才训练预测模型；否则只用规则评分。"), spec="L3", minimum=5,
         maximum=100000)
register("leads.retrain_days", "int", 7, _("预测模型重新训练间隔（天）"), _("每隔这么多天用最新的已关闭线索重新训练。"),
         spec="L3", unit=_("天"), minimum=1, maximum=365)
register("leads.hot_score", "int", 75, _("高意向分数线"), _("评分达到此分数的线索立即提醒负责人及其主管跟进。"),
         spec="L6", minimum=0, maximum=100)
register("leads.nurture_below_score", "int", 40, _("培育分数线"), _("评分低于此分数的线索进入培育序列。"), spec="L6",
         minimum=0, maximum=100)
# L4 assignment
register("leads.assignment_chain", "str", "shift,capacity,skill,distance,load,round_robin", _("分配规则顺序"),
         _("区域匹配之后依次应用的规则：shift 在岗、capacity 容量、skill 行业专长、distance 距离、load 在手最少、"
           "round_robin 轮流；删掉某项即不使用。"), spec="L4")
register("leads.default_capacity", "int", 30, _("默认在手线索上限"),
         _("销售档案未设上限时，每人最多同时跟进的线索数。"),
         spec="L4", minimum=1, maximum=10000)
register("leads.work_start", "str", "09:00", _("默认上班时间"), _("销售档案未设时使用，公司时区。"), spec="L4")
register("leads.work_end", "str", "18:00", _("默认下班时间"), _("销售档案未设时使用，公司时区。"), spec="L4")
register("leads.work_days", "str", "12345", _("默认工作日"), _("1–7 表示周一到周日。"), spec="L4")
register("leads.distance_tolerance_km", "float", 5.0, _("距离并列范围（公里）"),
         _("与最近者相差在此距离内的销售视为同样近，再按后续规则选择。"), spec="L4", unit="km", minimum=0, maximum=1000)
register("leads.location_max_age_hours", "int", 24, _("签到位置有效时长（小时）"),
         _("超过此时长的签到位置不参与距离比较。"), spec="L4", unit=_("小时"), minimum=1, maximum=720)
# L5 first-response SLA (the shipped rules read these)
register("leads.sla_remind_minutes", "int", 15, _("首触提醒（分钟）"), _("分配后这么久仍未联系，提醒负责人。"),
         spec="L5", unit=_("分钟"), minimum=1, maximum=10080)
register("leads.sla_escalate_minutes", "int", 30, _("首触上报（分钟）"), _("分配后这么久仍未联系，上报负责人的主管。"),
         spec="L5", unit=_("分钟"), minimum=1, maximum=10080)
register("leads.sla_reassign_minutes", "int", 60, _("首触改派（分钟）"),
         _("分配后这么久仍未联系，自动改派给其他销售。"),
         spec="L5", unit=_("分钟"), minimum=1, maximum=10080)
# L7 silent pool
register("leads.silent_days", "int", 14, _("静默天数"), _("已联系的线索超过这么多天没有进展即进入静默池。"), spec="L7",
         unit=_("天"), minimum=1, maximum=365)
