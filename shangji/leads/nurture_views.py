"""/settings/nurture/: the nurture sequences (L6) — which one new low-score leads join, its steps, and the leads
in it. Sales ops and admins (`can_configure`) only; everyone else gets 403 and changes nothing."""

from __future__ import annotations

import re
from collections import Counter

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shangji.core.registry import REGISTRY, setting
from shangji.leads import nurture_services as services
from shangji.leads.choices import NurtureChannel, NurtureStatus
from shangji.leads.models import Lead, NurtureEnrollment, NurtureSequence, NurtureStep
from shangji.notify.models import WebhookSubscription
from shangji.web.forms import StyledForm, style_fields
from shangji.web.pages import configurator, errors_onto_form

PAGE_SIZE = 50
TOP_EXIT_REASONS = 3  # how many reasons the list shows per sequence: a layout choice, not a business rule


class WebhookChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, subscription: WebhookSubscription) -> str:
        return subscription.name if subscription.is_active else _("%(name)s（已停用）") % {"name": subscription.name}


class SequenceForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100,
                           error_messages={"required": gettext_lazy("请填写序列名称。")})
    channel = forms.ChoiceField(label=gettext_lazy("发送方式"), choices=NurtureChannel.choices,
                                help_text=gettext_lazy("邮件发到线索的邮箱（没有邮箱的线索不入组）；"
                                                       "Webhook 交给营销自动化等外部系统发送。"))
    webhook = WebhookChoiceField(label=gettext_lazy("Webhook 订阅"), queryset=WebhookSubscription.objects.none(),
                                 required=False, empty_label=gettext_lazy("（不使用）"),
                                 help_text=gettext_lazy("发送方式为 Webhook 时必选，须是启用中的订阅。"),
                                 error_messages={"invalid_choice": gettext_lazy("请选择一个 Webhook 订阅。")})
    is_active = forms.BooleanField(label=gettext_lazy("保存后立即启用（其他序列将自动停用）"), required=False)

    def __init__(self, *args, user, sequence: NurtureSequence | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        subscriptions = WebhookSubscription.objects.visible_to(user)
        current = sequence.webhook_id if sequence else None
        self.fields["webhook"].queryset = (subscriptions.filter(is_active=True)
                                           | subscriptions.filter(pk=current)).order_by("name", "id")
        if sequence is not None:
            del self.fields["is_active"]  # switching on and off has its own buttons, so each is audited as such


class StepForm(forms.Form):
    """Lenient on purpose: the service checks every row and says what is wrong in one message per row."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(label=gettext_lazy("顺序"), required=False,
                                  error_messages={"invalid": gettext_lazy("顺序须为整数。")})
    delay_days = forms.IntegerField(label=gettext_lazy("间隔天数"), required=False,
                                    error_messages={"invalid": gettext_lazy("间隔天数须为整数。")})
    subject = forms.CharField(label=gettext_lazy("标题"), required=False)
    body = forms.CharField(label=gettext_lazy("正文"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    content_url = forms.CharField(label=gettext_lazy("内容链接"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self, small=True)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除")
        form.fields["DELETE"].widget.attrs.update({"class": "form-check-input", "aria-label": _("删除此步骤")})


# 200 rows: a bound on one request's size, not a business rule
StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=0, can_delete=True, max_num=200,
                                    validate_max=True, absolute_max=200)


def _step_inputs(formset) -> list[services.StepInput]:
    """The rows to keep, numbered as the table shows them (1 = first row), skipping blank and deleted rows."""
    steps = []
    for line, step_form in enumerate(formset.forms, start=1):
        data = step_form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        steps.append(services.StepInput(
            id=data.get("id"), line=line, position=data.get("position"), delay_days=data.get("delay_days"),
            subject=data.get("subject") or "", body=data.get("body") or "", content_url=data.get("content_url") or ""))
    return steps


def _exit_reasons(sequence_ids) -> dict[int, list[tuple[str, int]]]:
    """Top exit reasons per sequence; scores and other numbers are folded so "评分升至 52" and "…升至 61" count
    as one reason."""
    rows = (NurtureEnrollment.objects.filter(sequence__in=sequence_ids, status=NurtureStatus.EXITED)
            .order_by().values_list("sequence", "exit_reason").annotate(n=Count("id")))
    counters: dict[int, Counter] = {}
    for sequence_id, reason, n in rows:
        counters.setdefault(sequence_id, Counter())[re.sub(r"\d+", "N", reason or _("未注明"))] += n
    return {key: counter.most_common(TOP_EXIT_REASONS) for key, counter in counters.items()}


def _sequence_rows() -> list[NurtureSequence]:
    sequences = list(NurtureSequence.objects.select_related("webhook")
                     .annotate(step_count=Count("steps", distinct=True)).order_by("-is_active", "name", "id"))
    ids = [s.pk for s in sequences]
    counts: dict[tuple[int, str], int] = {
        (sequence_id, status): n for sequence_id, status, n in
        NurtureEnrollment.objects.filter(sequence__in=ids).order_by().values_list("sequence", "status")
        .annotate(n=Count("id"))}
    reasons = _exit_reasons(ids)
    for sequence in sequences:
        sequence.in_progress = counts.get((sequence.pk, NurtureStatus.ACTIVE), 0)
        sequence.finished = counts.get((sequence.pk, NurtureStatus.FINISHED), 0)
        sequence.exited = counts.get((sequence.pk, NurtureStatus.EXITED), 0)
        sequence.top_reasons = reasons.get(sequence.pk, [])
    return sequences


def _thresholds() -> list[dict]:
    return [{"key": key, "label": REGISTRY[key].label, "value": setting(key)}
            for key in ("leads.nurture_below_score", "leads.hot_score")]


@configurator
def nurture_index(request):
    sequences = _sequence_rows()
    return render(request, "leads/nurture_list.html", {
        "sequences": sequences, "active": next((s for s in sequences if s.is_active), None),
        "thresholds": _thresholds()})


def _initial_steps(sequence: NurtureSequence | None) -> list[dict]:
    if sequence is None:
        return [{"position": 1, "delay_days": 0}]
    return [{"id": s.pk, "position": s.position, "delay_days": s.delay_days, "subject": s.subject, "body": s.body,
             "content_url": s.content_url} for s in sequence.steps.order_by("position")]


@configurator
def nurture_edit(request, pk: int | None = None):
    sequence = get_object_or_404(NurtureSequence.objects.select_related("webhook"), pk=pk) if pk else None
    initial = ({"name": sequence.name, "channel": sequence.channel, "webhook": sequence.webhook_id} if sequence
               else {"channel": NurtureChannel.EMAIL, "is_active": not NurtureSequence.objects.filter(
                   is_active=True).exists()})
    form = SequenceForm(request.POST or None, initial=initial, user=request.user, sequence=sequence)
    formset = StepFormSet(request.POST or None, initial=None if request.method == "POST" else _initial_steps(sequence),
                          prefix="steps")
    step_errors: list[str] = []
    if request.method == "POST":
        if not formset.is_valid():
            step_errors = [_("第 %(line)s 行：%(error)s") % {"line": line, "error": " ".join(
                message for messages_ in errors.values() for message in messages_)}
                for line, errors in enumerate(formset.errors, start=1) if errors]
            step_errors += list(formset.non_form_errors())
        if form.is_valid() and not step_errors:
            data = form.cleaned_data
            try:
                if sequence:
                    services.nurture_sequence_update(sequence=sequence, actor=request.user, name=data["name"],
                                                     channel=data["channel"], webhook=data["webhook"],
                                                     steps=_step_inputs(formset))
                else:
                    sequence = services.nurture_sequence_create(actor=request.user, name=data["name"],
                                                                channel=data["channel"], webhook=data["webhook"],
                                                                steps=_step_inputs(formset),
                                                                is_active=data["is_active"])
            except ValidationError as error:
                step_errors = errors_onto_form(form, error, keep=("steps",)).get("steps", [])
            else:
                messages.success(request, _("已保存培育序列“%(name)s”。") % {"name": sequence.name})
                return redirect("nurture:detail", sequence.pk)
    in_progress = (NurtureEnrollment.objects.filter(sequence=sequence, status=NurtureStatus.ACTIVE).count()
                   if sequence else 0)
    return render(request, "leads/nurture_form.html", {
        "form": form, "formset": formset, "sequence": sequence, "step_errors": step_errors,
        "in_progress": in_progress, "title": _("编辑培育序列") if sequence else _("新建培育序列")})


def _back(request, pk: int):
    """The activate/deactivate buttons sit on the list and on the detail page: go back to the one used."""
    if request.POST.get("next") == "detail":
        return redirect("nurture:detail", pk)
    return redirect("nurture:index")


@configurator
@require_POST
def nurture_activate(request, pk: int):
    sequence = get_object_or_404(NurtureSequence, pk=pk)
    try:
        services.nurture_sequence_activate(sequence=sequence, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已启用“%(name)s”：新的低分线索将进入此序列，其他序列已停用。")
                         % {"name": sequence.name})
    return _back(request, pk)


@configurator
@require_POST
def nurture_deactivate(request, pk: int):
    sequence = get_object_or_404(NurtureSequence, pk=pk)
    services.nurture_sequence_deactivate(sequence=sequence, actor=request.user)
    messages.success(request, _("已停用“%(name)s”：不再有新线索进入，已在其中的线索继续收完剩余步骤。")
                     % {"name": sequence.name})
    return _back(request, pk)


@configurator
def nurture_detail(request, pk: int):
    sequence = get_object_or_404(NurtureSequence.objects.select_related("webhook"), pk=pk)
    steps = list(NurtureStep.objects.filter(sequence=sequence).order_by("position"))
    status = request.GET.get("status", "")
    enrollments = NurtureEnrollment.objects.filter(sequence=sequence).select_related("lead")
    if status in NurtureStatus.values:
        enrollments = enrollments.filter(status=status)
    else:
        status = ""
    page = Paginator(enrollments.order_by("-started_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    visible = set(Lead.objects.visible_to(request.user)
                  .filter(pk__in=[e.lead_id for e in page.object_list]).values_list("pk", flat=True))
    for enrollment in page.object_list:
        enrollment.lead_visible = enrollment.lead_id in visible
    counts = dict(NurtureEnrollment.objects.filter(sequence=sequence).order_by().values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    tabs = [{"key": "", "label": _("全部"), "count": sum(counts.values())}] + [
        {"key": key, "label": label, "count": counts.get(key, 0)} for key, label in NurtureStatus.choices]
    return render(request, "leads/nurture_detail.html", {
        "sequence": sequence, "steps": steps, "page": page, "status": status, "tabs": tabs})
