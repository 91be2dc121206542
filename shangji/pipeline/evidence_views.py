"""Deal pages for P2 evidence: the gate checklist partial, files, questionnaires and activities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shangji.core.attachments import allowed_extensions, attachment_add, attachment_get, attachments_for
from shangji.core.models import Attachment
from shangji.core.registry import setting
from shangji.core.visibility import can_change
from shangji.pipeline import selectors
from shangji.pipeline.apps import deliverable_kinds
from shangji.pipeline.evidence import form_submission_create, opportunity_activity_record
from shangji.pipeline.evidence_forms import ActivityForm, AttachmentForm, answer_form
from shangji.pipeline.gates import gate_checklist
from shangji.pipeline.models import DeliverableKind, FormTemplate, Stage


def _detail(opportunity, anchor: str):
    return redirect(reverse("pipeline:detail", args=[opportunity.pk]) + f"#{anchor}")


def _changeable(request, pk: int):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)  # 404 outside the user's scope
    if not can_change(request.user, opportunity.owner_id):
        raise PermissionDenied
    return opportunity


def evidence_context(request, opportunity) -> dict:
    """What the deal page shows of its evidence (panels: 交付物, 表单, 跟进记录)."""
    kinds = deliverable_kinds()
    names = dict(DeliverableKind.objects.values_list("code", "name"))  # inactive kinds still name old files
    upload_kind = request.GET.get("upload_kind", "")
    attachments = list(attachments_for(entity="opportunity", entity_id=opportunity.pk))
    activities = selectors.deal_activities(opportunity=opportunity)
    files_of: dict[int, list] = {}
    for file in Attachment.objects.filter(entity="interaction", entity_id__in=[a.pk for a in activities]):
        files_of.setdefault(file.entity_id, []).append(file)
    for file in [*attachments, *(f for files in files_of.values() for f in files)]:
        file.kind_name = names.get(file.kind, file.kind)
    for activity in activities:
        activity.files = files_of.get(activity.pk, [])
    return {
        "pipeline": opportunity.pipeline,
        "attachments": attachments,
        "attachment_form": AttachmentForm(kinds=kinds, prefix="attachment",
                                          initial={"kind": upload_kind if upload_kind in kinds else ""}),
        "upload_limits": {"max_mb": setting("attachments.max_mb"), "extensions": "、".join(allowed_extensions())},
        "submissions": selectors.form_submissions(opportunity=opportunity),
        "form_templates": FormTemplate.objects.filter(is_active=True),
        "activities": activities,
        "activity_form": ActivityForm(kinds=kinds, prefix="activity"),
    }


@login_required
@require_GET
def gate_checklist_partial(request, pk: int):
    """The exit checklist for moving the deal to `?stage=` — shown before a move (detail page and kanban)."""
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    stage_id = request.GET.get("stage", "")
    to_stage = get_object_or_404(Stage, pk=stage_id) if stage_id.isdigit() else None
    items = gate_checklist(opportunity=opportunity, to_stage=to_stage) if to_stage else []
    return render(request, "pipeline/_gate_checklist.html", {
        "opportunity": opportunity, "to_stage": to_stage, "items": items,
        "met": all(item.met for item in items)})


@login_required
@require_POST
def attachment_upload(request, pk: int):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    try:  # the service checks the kind, the file type and size, and the user's rights
        attachment_add(entity="opportunity", entity_id=opportunity.pk, kind=request.POST.get("attachment-kind", ""),
                       upload=request.FILES.get("attachment-file"), actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已上传附件。"))
    return _detail(opportunity, "attachments")


@login_required
@require_GET
def attachment_download(request, attachment_pk: int):
    """A file of a record the user may see; 404 otherwise (also when the stored file is gone)."""
    attachment = attachment_get(user=request.user, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("文件已不存在。")) from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@login_required
def form_fill(request, pk: int, template_pk: int):
    """Fill a questionnaire (e.g. 《客户需求清单》) for the deal."""
    opportunity = _changeable(request, pk)
    template = get_object_or_404(FormTemplate, pk=template_pk, is_active=True)
    form = answer_form(template, request.POST or None)
    if request.method == "POST":
        try:
            form_submission_create(template=template, opportunity=opportunity, answers=request.POST,
                                   actor=request.user)
        except ValidationError as error:
            for key, errors in error.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("已提交%(form)s。") % {"form": template.title})
            return _detail(opportunity, "forms")
    return render(request, "pipeline/form_fill.html", {"opportunity": opportunity, "template": template,
                                                       "form": form})


@login_required
@require_GET
def form_submission_detail(request, pk: int, submission_pk: int):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    submission = get_object_or_404(selectors.form_submissions(opportunity=opportunity), pk=submission_pk)
    return render(request, "pipeline/form_submission.html", {"opportunity": opportunity, "submission": submission})


@login_required
@require_POST
def activity_add(request, pk: int):
    """An activity recorded for the deal, optionally with its file (P2 activity gates)."""
    opportunity = _changeable(request, pk)
    form = ActivityForm(request.POST, request.FILES, kinds=deliverable_kinds(), prefix="activity")
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _detail(opportunity, "activities")
    data = form.cleaned_data
    try:
        opportunity_activity_record(opportunity=opportunity, actor=request.user, kind=data["kind"],
                                    summary=data["summary"], upload=request.FILES.get("activity-file"),
                                    upload_kind=data["file_kind"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已记录跟进。"))
    return _detail(opportunity, "activities")
