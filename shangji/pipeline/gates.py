"""P2 stage gates: the checklist a deal must pass to move forward, with the evidence already on file.

A gate is an item of a stage's EXIT checklist. Moving forward out of a stage checks its gates and the
gates of every stage skipped over (in the deal's pipeline order); regressions and moves to 输单 are not
gated. Custom fields required from the target stage (`required_from_stage`) are checked too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.models import Attachment, CustomField
from shangji.pipeline.choices import GateField, GateKind
from shangji.pipeline.models import FormSubmission, Opportunity, Stage, StageGate
from shangji.pipeline.pipelines import is_forward, pipeline_stages, position, stages_left


@dataclass
class GateItem:
    """One line of the checklist. `evidence` is what is already on file: [{text, url, at}]."""

    label: str
    met: bool
    missing_sentence: str
    evidence: list[dict] = field(default_factory=list)
    stage: str = ""  # the stage whose exit this item belongs to
    kind: str = ""
    action_url: str = ""  # where to provide what is missing
    action_label: str = ""


class GateNotMet(ValidationError):
    """A forward move refused because checklist items are unmet; carries the whole checklist."""

    def __init__(self, *, to_stage: Stage, items: list[GateItem]):
        self.items = items
        self.to_stage = to_stage
        self.missing = [item.missing_sentence for item in items if not item.met]
        super().__init__(_("无法推进到“%(stage)s”：%(missing)s") % {"stage": to_stage.name,
                                                                  "missing": "；".join(self.missing)},
                         code="gate_not_met")


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d")


def _detail(opportunity: Opportunity, anchor: str, **query) -> str:
    url = reverse("pipeline:detail", args=[opportunity.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return f"{url}#{anchor}"


def gate_checklist(*, opportunity: Opportunity, to_stage: Stage) -> list[GateItem]:
    """The exit checklist for moving `opportunity` to `to_stage`; empty for moves that are not gated."""
    order = pipeline_stages(opportunity.pipeline)
    if not is_forward(order, opportunity.stage, to_stage):
        return []
    leaving = stages_left(order, opportunity.stage, to_stage)
    gates = sorted(
        StageGate.objects.filter(is_active=True, stage__in=leaving)
        .filter(Q(pipeline__isnull=True) | Q(pipeline_id=opportunity.pipeline_id))
        .select_related("stage", "deliverable_kind", "form_template"),
        key=lambda gate: (position(order, gate.stage), gate.sequence, gate.pk))
    items = [_check(gate, opportunity, to_stage) for gate in gates]
    return items + _custom_field_items(opportunity, to_stage, gates)


def gate_check(*, opportunity: Opportunity, to_stage: Stage) -> list[GateItem]:
    """Raise GateNotMet when an item is unmet; returns the (all met) checklist otherwise."""
    items = gate_checklist(opportunity=opportunity, to_stage=to_stage)
    if any(not item.met for item in items):
        raise GateNotMet(to_stage=to_stage, items=items)
    return items


def _check(gate: StageGate, opportunity: Opportunity, to_stage: Stage) -> GateItem:
    item = GateItem(label=gate.label, met=False, missing_sentence="", stage=gate.stage.name, kind=gate.kind)
    if gate.kind == GateKind.CUSTOM_FIELD:
        _check_custom_field(gate, opportunity, item, to_stage)
    else:
        {GateKind.FIELD: _check_field, GateKind.ATTACHMENT: _check_attachment, GateKind.FORM: _check_form,
         GateKind.ACTIVITY: _check_activity}[gate.kind](gate, opportunity, item)
    return item


def _check_field(gate: StageGate, opportunity: Opportunity, item: GateItem) -> None:
    name = gate.field_name
    label = GateField(name).label if name in GateField.values else name
    if name == GateField.LINES:
        count = opportunity.lines.count()
        item.met, shown = count > 0, _("%(n)s 行") % {"n": count}
    elif name == GateField.AMOUNT:
        item.met, shown = bool(opportunity.amount), f"¥{opportunity.amount:,.2f}"
    else:
        value = getattr(opportunity, name, None)
        item.met = value not in (None, "")
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value or "")[:40]
    if item.met:
        item.evidence = [{"text": _("%(label)s：%(value)s") % {"label": label, "value": shown}, "url": "", "at": None}]
    item.missing_sentence = _("缺少：%(label)s（需填写）") % {"label": label}
    item.action_url, item.action_label = reverse("pipeline:edit", args=[opportunity.pk]), _("去填写")




def _check_custom_field(gate: StageGate, opportunity: Opportunity, item: GateItem, to_stage: Stage) -> None:
    item.action_url, item.action_label = reverse("pipeline:edit", args=[opportunity.pk]), _("去填写")
    if not gate.custom_field_key:  # the fields required from the target stage on, as sales ops defined them
        missing = _missing_custom_fields(opportunity, to_stage)
        item.met = not missing
        names = "、".join(f"“{field.label}”" for field in missing)
        item.missing_sentence = _("缺少：自定义字段%(names)s（需填写）") % {"names": names}
        return
    from shangji.core.customfields import display_value

    custom = CustomField.objects.filter(entity="opportunity", key=gate.custom_field_key).first()
    label = custom.label if custom else gate.custom_field_key
    value = (opportunity.custom or {}).get(gate.custom_field_key)
    item.met = value not in (None, "", [], {})
    if item.met:
        shown = display_value(custom, value) if custom else str(value)
        item.evidence = [{"text": _("%(label)s：%(value)s") % {"label": label, "value": shown[:60]}, "url": "",
                          "at": None}]
    item.missing_sentence = _("缺少：%(label)s（需填写）") % {"label": label}


def _deal_interaction_ids(opportunity: Opportunity) -> list[int]:
    return list(opportunity.interactions.values_list("pk", flat=True))


def _check_attachment(gate: StageGate, opportunity: Opportunity, item: GateItem) -> None:
    kind = gate.deliverable_kind
    # Files on the deal, or on an activity recorded for the deal (a call with its summary attached).
    files = (Attachment.objects.filter(kind=kind.code)
             .filter(Q(entity="opportunity", entity_id=opportunity.pk)
                     | Q(entity="interaction", entity_id__in=_deal_interaction_ids(opportunity)))
             .select_related("uploaded_by").order_by("-uploaded_at", "-id"))
    item.evidence = [{
        "text": _("%(kind)s：%(name)s %(who)s %(day)s 上传") % {
            "kind": kind.name, "name": file.original_name, "who": file.uploaded_by.display_name,
            "day": _day(file.uploaded_at)},
        "url": reverse("pipeline:attachment", args=[file.pk]), "at": file.uploaded_at} for file in files[:5]]
    item.met = bool(item.evidence)
    item.missing_sentence = _("缺少：%(kind)s（需上传）") % {"kind": kind.name}
    item.action_url = _detail(opportunity, "attachments", upload_kind=kind.code)
    item.action_label = _("去上传")


def _check_form(gate: StageGate, opportunity: Opportunity, item: GateItem) -> None:
    template = gate.form_template
    submissions = (FormSubmission.objects.filter(opportunity=opportunity, template=template)
                   .select_related("submitted_by").order_by("-submitted_at", "-id")[:5])
    item.evidence = [{
        "text": _("%(form)s %(who)s %(day)s 提交") % {
            "form": template.title, "who": submission.submitted_by.display_name,
            "day": _day(submission.submitted_at)},
        "url": reverse("pipeline:form_submission", args=[opportunity.pk, submission.pk]),
        "at": submission.submitted_at} for submission in submissions]
    item.met = bool(item.evidence)
    item.missing_sentence = _("缺少：%(form)s（需填写）") % {"form": template.title}
    item.action_url = reverse("pipeline:form_fill", args=[opportunity.pk, template.pk])
    item.action_label = _("去填写")


def _check_activity(gate: StageGate, opportunity: Opportunity, item: GateItem) -> None:
    from shangji.customers.choices import InteractionKind
    from shangji.customers.models import Interaction

    kind_label = (InteractionKind(gate.interaction_kind).label if gate.interaction_kind in InteractionKind.values
                  else gate.interaction_kind)
    since = opportunity.stage_entered_at
    activities = (Interaction.objects.filter(kind=gate.interaction_kind, occurred_at__gte=since)
                  .filter(Q(opportunity=opportunity) | Q(customer_id=opportunity.customer_id, opportunity__isnull=True))
                  .select_related("created_by").order_by("-occurred_at", "-id"))
    deliverable = gate.deliverable_kind
    if deliverable is not None:
        with_file = Attachment.objects.filter(entity="interaction", kind=deliverable.code).values("entity_id")
        activities = activities.filter(pk__in=with_file)
    item.evidence = [{
        "text": _("%(kind)s %(who)s %(day)s 记录：%(summary)s") % {
            "kind": kind_label, "who": activity.created_by.display_name, "day": _day(activity.occurred_at),
            "summary": activity.summary[:30]},
        "url": _detail(opportunity, "activities"), "at": activity.occurred_at} for activity in activities[:5]]
    item.met = bool(item.evidence)
    if deliverable is not None:
        item.missing_sentence = _("缺少：附带%(file)s的%(kind)s记录（需在进入“%(stage)s”后记录）") % {
            "file": deliverable.name, "kind": kind_label, "stage": opportunity.stage.name}
    else:
        item.missing_sentence = _("缺少：%(kind)s记录（需在进入“%(stage)s”后记录）") % {
            "kind": kind_label, "stage": opportunity.stage.name}
    item.action_url, item.action_label = _detail(opportunity, "activities"), _("去记录")


def _missing_custom_fields(opportunity: Opportunity, stage: Stage) -> list:
    from shangji.core.customfields import missing_required_custom_fields  # A2, owned by the custom-fields module

    return list(missing_required_custom_fields(opportunity=opportunity, stage=stage))


def _custom_field_items(opportunity: Opportunity, to_stage: Stage, gates: list[StageGate]) -> list[GateItem]:
    """Custom fields required from the target stage on (A2 `required_from_stage`), one item per missing
    field — unless a custom-field gate already covers them."""
    explicit = {gate.custom_field_key for gate in gates if gate.kind == GateKind.CUSTOM_FIELD}
    if "" in explicit:
        return []
    edit = reverse("pipeline:edit", args=[opportunity.pk])
    return [GateItem(label=_("填写“%(label)s”") % {"label": custom.label}, met=False,
                     missing_sentence=_("缺少：%(label)s（需填写）") % {"label": custom.label},
                     stage=to_stage.name, kind=GateKind.CUSTOM_FIELD, action_url=edit, action_label=_("去填写"))
            for custom in _missing_custom_fields(opportunity, to_stage) if custom.key not in explicit]
