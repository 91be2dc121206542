"""P2/P3 configuration pages under /settings/pipelines/ — for sales ops and admins (`can_configure`) only."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.models import AuditEntry, CustomField
from shangji.customers.choices import Scale
from shangji.pipeline import config_services as services
from shangji.pipeline.config_forms import (
    QUESTION_TYPES,
    DeliverableKindForm,
    FormTemplateForm,
    GateConfigForm,
    PipelineConfigForm,
    StageConfigForm,
)
from shangji.pipeline.models import DeliverableKind, FormTemplate, Pipeline, Stage, StageGate
from shangji.pipeline.pipelines import pipeline_stages, with_stages
from shangji.web.pages import configurator, errors_onto_form

BLANK_QUESTION_ROWS = 3
CONFIG_MODELS = {"stage": Stage, "pipeline": Pipeline, "stage_gate": StageGate, "deliverable_kind": DeliverableKind,
                 "form_template": FormTemplate}  # audit entity → model (config_services writes these)


@configurator
def config_index(request):
    gates = StageGate.objects.select_related("stage", "pipeline", "deliverable_kind", "form_template")
    return render(request, "pipeline/config.html", {
        "stages": Stage.objects.all(),
        "pipelines": [(p, pipeline_stages(p, include_inactive=True), [Scale(s).label for s in p.customer_scales])
                      for p in with_stages(Pipeline.objects.order_by("-is_default", "priority", "id"))],
        "gates": gates.order_by("stage__sequence", "stage_id", "sequence", "id"),
        "kinds": DeliverableKind.objects.all(),
        "templates": FormTemplate.objects.all(),
        "changes": _recent_changes(),
    })


def _recent_changes(limit: int = 15) -> list[AuditEntry]:
    """The last configuration changes, with readable names (who changed which field of what)."""
    entries = list(AuditEntry.objects.filter(entity__in=CONFIG_MODELS).select_related("actor")
                   .order_by("-at", "-id")[:limit])
    for entry in entries:
        meta = CONFIG_MODELS[entry.entity]._meta
        entry.entity_label = meta.verbose_name
        try:
            entry.field_label = meta.get_field(entry.field).verbose_name if entry.field else ""
        except FieldDoesNotExist:
            entry.field_label = entry.field
    return entries


@configurator
def stage_edit(request, pk: int | None = None):
    stage = get_object_or_404(Stage, pk=pk) if pk else None
    initial = {"outcome": "open", "is_active": True, "probability": 0}
    if stage:
        initial = {"name": stage.name, "name_en": stage.name_en, "sequence": stage.sequence,
                   "probability": stage.probability, "is_active": stage.is_active,
                   "outcome": "won" if stage.is_won else "lost" if stage.is_lost else "open"}
    form = StageConfigForm(request.POST or None, initial=initial)
    if stage:
        form.fields["outcome"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.stage_save(actor=request.user, stage=stage, name=data["name"], name_en=data["name_en"],
                                sequence=data["sequence"], probability=data["probability"],
                                is_active=data["is_active"], is_won=data["outcome"] == "won",
                                is_lost=data["outcome"] == "lost")
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存阶段。"))
            return redirect("pipeline_config:index")
    return render(request, "pipeline/config_form.html", {
        "form": form, "title": _("编辑阶段") if stage else _("新建阶段")})


def _stage_rows(request, pipeline: Pipeline | None) -> tuple[list[dict], list[services.StageRow], list[str]]:
    """Every stage with whether it is in the pipeline and its place; from the POST when there is one."""
    current = {row.stage_id: row.sequence for row in (pipeline.stage_rows.all() if pipeline else [])}
    rows, chosen, errors = [], [], []
    for stage in Stage.objects.all():
        raw = ""
        if request.method == "POST":
            included = f"stage-{stage.pk}" in request.POST
            raw = request.POST.get(f"sequence-{stage.pk}", "").strip()
            sequence = int(raw) if raw.isdigit() else None
            if included and sequence is None:
                errors.append(_("请为阶段“%(stage)s”填写顺序（非负整数）。") % {"stage": stage.name})
            elif included:
                chosen.append(services.StageRow(stage=stage, sequence=sequence))
        else:
            included, sequence = stage.pk in current, current.get(stage.pk, stage.sequence)
        rows.append({"stage": stage, "included": included, "sequence": sequence if sequence is not None else raw})
    rows.sort(key=lambda row: (not row["included"], row["sequence"] if isinstance(row["sequence"], int) else 10**6,
                               row["stage"].sequence))
    return rows, chosen, errors


@configurator
def pipeline_edit(request, pk: int | None = None):
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk else None
    initial = {"is_active": True, "priority": 50}
    if pipeline:
        initial = {"name": pipeline.name, "customer_scales": pipeline.customer_scales,
                   "max_amount": pipeline.max_amount, "priority": pipeline.priority,
                   "is_default": pipeline.is_default, "is_active": pipeline.is_active}
    form = PipelineConfigForm(request.POST or None, initial=initial)
    rows, chosen, row_errors = _stage_rows(request, pipeline)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if row_errors:
                raise ValidationError({"stages": row_errors})
            services.pipeline_save(
                actor=request.user, pipeline=pipeline, name=data["name"], customer_scales=data["customer_scales"],
                max_amount=Decimal(data["max_amount"]) if data["max_amount"] is not None else None,
                priority=data["priority"], is_default=data["is_default"], is_active=data["is_active"],
                stages=chosen)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存销售流程。"))
            return redirect("pipeline_config:index")
    return render(request, "pipeline/config_pipeline.html", {"form": form, "pipeline": pipeline, "rows": rows})


@configurator
def gate_edit(request, pk: int | None = None):
    gate = get_object_or_404(StageGate, pk=pk) if pk else None
    custom_fields = list(CustomField.objects.filter(entity="opportunity", is_active=True)
                         .values_list("key", "label"))
    initial = {"stage": request.GET.get("stage"), "sequence": 10, "is_active": True}
    if gate:
        initial = {field: getattr(gate, field) for field in (
            "stage", "pipeline", "kind", "field_name", "custom_field_key", "deliverable_kind", "form_template",
            "interaction_kind", "label", "sequence", "is_active")}
    form = GateConfigForm(request.POST or None, initial=initial, custom_fields=custom_fields)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gate_save(actor=request.user, gate=gate, **data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存检查项。"))
            return redirect("pipeline_config:index")
    return render(request, "pipeline/config_gate.html", {"form": form, "gate": gate})


@configurator
@require_POST
def gate_toggle(request, pk: int):
    gate = get_object_or_404(StageGate, pk=pk)
    services.gate_set_active(actor=request.user, gate=gate, is_active=not gate.is_active)
    messages.success(request, (_("已启用“%(label)s”。") if gate.is_active else _("已停用“%(label)s”。")) % {
        "label": gate.label})
    return redirect("pipeline_config:index")


@configurator
def deliverable_edit(request, pk: int | None = None):
    kind = get_object_or_404(DeliverableKind, pk=pk) if pk else None
    initial = {"name": kind.name, "code": kind.code, "is_active": kind.is_active} if kind else {"is_active": True}
    form = DeliverableKindForm(request.POST or None, initial=initial)
    if kind:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deliverable_kind_save(actor=request.user, kind=kind, **data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存交付物类型。"))
            return redirect("pipeline_config:index")
    return render(request, "pipeline/config_form.html", {
        "form": form, "title": _("编辑交付物类型") if kind else _("新建交付物类型")})


def _question_rows(request, template: FormTemplate | None) -> list[dict]:
    if request.method == "POST":
        count = min(int(request.POST.get("rows", "0") or 0), 200) if request.POST.get("rows", "").isdigit() else 0
        rows = [{"key": request.POST.get(f"q-{i}-key", ""), "label": request.POST.get(f"q-{i}-label", ""),
                 "type": request.POST.get(f"q-{i}-type", "text"), "required": f"q-{i}-required" in request.POST,
                 "choices": request.POST.get(f"q-{i}-choices", ""),
                 "order": request.POST.get(f"q-{i}-order", "").strip()} for i in range(count)]
        # Reordering: rows sort by their order number; rows without one keep their place after them.
        return [row for _index, row in sorted(enumerate(rows), key=lambda pair: (
            int(pair[1]["order"]) if pair[1]["order"].isdigit() else 10**6, pair[0]))]
    questions = template.questions if template else []
    rows = [{**question, "choices": "、".join(question.get("choices", []))} for question in questions]
    return rows + [{"key": "", "label": "", "type": "text", "required": False, "choices": ""}
                   for _blank in range(BLANK_QUESTION_ROWS)]


@configurator
def form_template_edit(request, pk: int | None = None):
    template = get_object_or_404(FormTemplate, pk=pk) if pk else None
    initial = ({"name": template.name, "code": template.code, "is_active": template.is_active} if template
               else {"is_active": True})
    form = FormTemplateForm(request.POST or None, initial=initial)
    if template:
        form.fields["code"].disabled = True
    rows = _question_rows(request, template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.form_template_save(actor=request.user, template=template, name=data["name"], code=data["code"],
                                        questions=rows, is_active=data["is_active"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("已保存表单。"))
            return redirect("pipeline_config:index")
    return render(request, "pipeline/config_form_template.html", {
        "form": form, "template": template, "rows": rows, "types": QUESTION_TYPES})
