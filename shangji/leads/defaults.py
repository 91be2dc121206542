"""The shipped first-response SLA rules (L5): remind the owner, escalate to the manager, reassign — ordinary,
editable automation rules whose delays are the settings leads.sla_*_minutes.

Installed by a data migration (and again by the test kit after a transactional test flushes the tables).
"""

from django.utils import timezone

KEYS = ["lead-sla-remind", "lead-sla-escalate", "lead-sla-reassign"]


def _not_contacted():
    return {"match": "all", "items": [{"field": "first_contact_at", "op": "empty"},
                                      {"field": "status", "op": "eq", "value": "assigned"}]}


def install_defaults(Rule) -> None:  # noqa: N803  (historical model from migrations)
    now = timezone.now()
    common = dict(entity="lead", trigger="time_elapsed", start_event="assigned", start_conditions=_not_contacted(),
                  conditions=_not_contacted(), delay_unit="minutes")
    rules = [
        dict(key="lead-sla-remind", sequence=110, name="线索首触超时：提醒负责人",
             description="线索分配后超过设定分钟数仍未记录首次联系，提醒负责人（L5）。",
             delay_setting="leads.sla_remind_minutes",
             actions=[{"type": "notify", "to": [{"kind": "owner"}], "title": "请尽快联系线索：{name}",
                       "body": "线索分配已 {minutes_since_assigned} 分钟仍未联系。评分 {score}，公司：{company}。"}]),
        dict(key="lead-sla-escalate", sequence=120, name="线索首触超时：上报主管",
             description="线索分配后超过设定分钟数仍未联系，上报负责人的主管（L5）。",
             delay_setting="leads.sla_escalate_minutes",
             actions=[{"type": "escalate", "levels": 1, "title": "线索超时未联系：{name}（负责人 {owner}）",
                       "body": "分配已 {minutes_since_assigned} 分钟仍未联系，请督促或改派。评分 {score}。"}]),
        dict(key="lead-sla-reassign", sequence=130, name="线索首触超时：自动改派",
             description="线索分配后超过设定分钟数仍未联系，按分配规则改派给其他销售（L5）。",
             delay_setting="leads.sla_reassign_minutes",
             actions=[{"type": "reassign"}]),
    ]
    for values in rules:
        Rule.objects.get_or_create(key=values["key"], defaults={**common, **values, "created_at": now,
                                                                "updated_at": now})
