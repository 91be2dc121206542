"""The shipped rules of SPEC A1, P2, P5 and P6 — ordinary, editable rows whose numbers are settings.

Installed by a data migration (and again by the test kit after a transactional test flushes the tables).
"""

from django.utils import timezone

KEYS = ["proposal-tech-review", "proposal-escalation", "proposal-feedback-reminder", "big-custom-deal-collaboration",
        "stagnation-warning"]


def _leaf(field, op, value=None):
    leaf = {"field": field, "op": op}
    if value is not None:
        leaf["value"] = value
    return leaf


def _all(*items):
    return {"match": "all", "items": list(items)}


def install_defaults(Rule, Stage, CustomField) -> None:  # noqa: N803  (historical models from migrations)
    """Create the shipped rules and the custom field P5 reads, unless they exist (idempotent)."""
    proposal = Stage.objects.filter(name="方案提交").first()
    if proposal is None:
        return
    CustomField.objects.get_or_create(entity="opportunity", key="customization", defaults={
        "label": "定制需求", "label_en": "Customization request", "field_type": "boolean",
        "help_text": "客户是否提出定制开发需求（P5 协同规则使用）", "sequence": 10})
    stage_id = str(proposal.pk)
    presales = {"kind": "role", "role": "presales"}
    owner = {"kind": "owner"}
    now = timezone.now()
    rules = [
        dict(key="proposal-tech-review", sequence=10, name="方案提交：通知技术部门并创建评审待办",
             description="商机进入“方案提交”时，邮件通知负责人所在大区的售前（技术部门），并给他们创建方案评审待办（A1）。",
             entity="opportunity", trigger="stage_changed", conditions=_all(_leaf("stage", "changed_to", stage_id)),
             actions=[
                 {"type": "notify", "to": [presales], "title": "商机“{name}”已进入方案提交，请评审方案",
                  "body": "客户行业：{customer.industry}；金额：{amount}；负责人：{owner}。"},
                 {"type": "create_task", "to": [presales], "title": "评审方案：{name}",
                  "body": "请在期限内完成方案评审并在商机中记录结论。",
                  "due_setting": "automation.proposal_review_due_hours"},
             ]),
        dict(key="proposal-escalation", sequence=20, name="方案评审超时：上报部门负责人",
             description="进入“方案提交”后超过设定时长仍有未完成待办，逐级上报负责人的上级（A1）。",
             entity="opportunity", trigger="time_elapsed", start_event="stage_changed",
             start_conditions=_all(_leaf("stage", "eq", stage_id)),
             delay_setting="automation.proposal_escalation_hours", delay_unit="hours",
             conditions=_all(_leaf("open_tasks", "gt", "0")),
             actions=[{"type": "escalate", "levels": 1, "title": "方案评审超时未处理：{name}",
                       "body": "商机已在“{stage}”停留 {days_in_stage} 天，仍有 {open_tasks} 项待办未完成。"
                               "负责人：{owner}。"}]),
        dict(key="proposal-feedback-reminder", sequence=30, name="方案提交后未记录客户反馈：提醒负责人",
             description="进入“方案提交”后超过设定时长仍未记录客户反馈（互动方式为“客户反馈”），提醒负责人（P2）。",
             entity="opportunity", trigger="time_elapsed", start_event="stage_changed",
             start_conditions=_all(_leaf("stage", "eq", stage_id)),
             delay_setting="automation.feedback_reminder_hours", delay_unit="hours",
             conditions=_all(_leaf("feedback_since_stage", "eq", "0")),
             actions=[{"type": "notify", "to": [owner], "title": "请记录客户对方案的反馈：{name}",
                       "body": "方案已提交，尚未记录客户反馈。请在客户页“记录互动”中选择“客户反馈”。"}]),
        dict(key="big-custom-deal-collaboration", sequence=40, name="大额定制商机：推送技术与方案协同",
             description="单笔采购额超过设定金额且有定制需求时，给售前推送技术协同待办、给负责人推送方案协同待办（P5）。",
             entity="opportunity", trigger="condition_true",
             conditions=_all(_leaf("amount", "gt", {"setting": "automation.big_deal_amount"}),
                             _leaf("custom.customization", "is_true")),
             actions=[
                 {"type": "create_task", "to": [presales], "title": "技术协同：{name}",
                  "body": "大额定制商机，请与负责人 {owner} 对接技术方案。",
                  "due_setting": "automation.proposal_review_due_hours"},
                 {"type": "create_task", "to": [owner], "title": "方案协同：{name}",
                  "body": "请与售前共同准备定制方案。", "due_setting": "automation.proposal_review_due_hours"},
                 {"type": "notify", "to": [presales, owner], "title": "大额定制商机需要协同：{name}",
                  "body": "金额 {amount}，客户行业 {customer.industry}。"},
             ]),
        dict(key="stagnation-warning", sequence=50, name="商机停滞预警",
             description="商机在同一阶段无进展超过设定天数且金额超过预警金额，提醒负责人及其上级（P6）。",
             entity="opportunity", trigger="time_elapsed", start_event="created_or_stage_changed",
             start_conditions=_all(_leaf("stage_state", "eq", "open")),
             delay_setting="automation.stagnation_days", delay_unit="days",
             conditions=_all(_leaf("amount", "gt", {"setting": "automation.stagnation_amount"})),
             actions=[{"type": "notify", "to": [owner, {"kind": "manager", "levels": 1}],
                       "title": "商机停滞预警：{name}",
                       "body": "已在“{stage}”停留 {days_in_stage} 天无进展，金额 {amount}。请制定跟进策略。"}]),
    ]
    for values in rules:
        Rule.objects.get_or_create(key=values["key"], defaults={**values, "created_at": now, "updated_at": now})
