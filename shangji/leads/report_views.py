"""/leads/report/: the lead funnel and conversion by source, campaign, rep and team (L5, L8).

Anyone signed in may open it; the numbers are computed from the leads the user may see, so a rep's report is
their own and a manager's is their subtree's.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.leads import report
from shangji.leads.choices import Source
from shangji.web.forms import clean_period, style_fields

PERIODS = [("30", gettext_lazy("最近 30 天")), ("90", gettext_lazy("最近 90 天")),
           ("365", gettext_lazy("最近 365 天")), ("custom", gettext_lazy("自定义日期"))]
DEFAULT_PERIOD = "90"


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("期间"), choices=PERIODS, required=False, initial=DEFAULT_PERIOD)
    start = forms.DateField(label=gettext_lazy("开始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("结束日期"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(label=gettext_lazy("来源"), required=False,
                               choices=[("", gettext_lazy("全部"))] + Source.choices)
    campaign = forms.ModelChoiceField(label=gettext_lazy("市场活动"), required=False, queryset=None,
                                      empty_label=gettext_lazy("全部"))
    unit = forms.ModelChoiceField(label=gettext_lazy("团队"), required=False, queryset=None,
                                  empty_label=gettext_lazy("全部"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = report.campaign_choices()
        self.fields["unit"].queryset = report.unit_choices()
        self.fields["start"].error_messages["invalid"] = _("开始日期格式不正确，请按 年-月-日 填写。")
        self.fields["end"].error_messages["invalid"] = _("结束日期格式不正确，请按 年-月-日 填写。")
        self.fields["campaign"].error_messages["invalid_choice"] = _("没有这个市场活动。")
        self.fields["unit"].error_messages["invalid_choice"] = _("没有这个团队。")
        style_fields(self, small=True)

    def clean(self):
        return clean_period(self, super().clean(), default=DEFAULT_PERIOD)

    def filters(self) -> report.ReportFilters:
        """The filters to apply; the default period when the form is invalid (the errors are shown too)."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period", DEFAULT_PERIOD)
        if period == "custom":
            start, end = data["start"], data["end"]
        else:
            end = today
            start = today - timedelta(days=int(period) - 1)
        return report.ReportFilters(
            start=start, end=end, source=data.get("source", ""),
            campaign_id=data["campaign"].pk if data.get("campaign") else None,
            unit_id=data["unit"].pk if data.get("unit") else None)


TABLES = [("source", gettext_lazy("按来源")), ("campaign", gettext_lazy("按市场活动")),
          ("owner", gettext_lazy("按负责人")), ("team", gettext_lazy("按团队"))]


def _display(row: report.ReportRow) -> dict:
    return {"row": row, "contact_median": report.duration_text(row.contact_median),
            "contact_p90": report.duration_text(row.contact_p90),
            "conversion_median": report.duration_text(row.conversion_median)}


@login_required
def lead_report(request):
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    now = timezone.now()
    funnel = report.lead_funnel(user=request.user, filters=filters, now=now)
    tables = []
    if funnel:
        breakdowns = report.lead_breakdowns(user=request.user, filters=filters, now=now)
        tables = [(key, title, [_display(row) for row in breakdowns[key]]) for key, title in TABLES]
    chart = [{"name": step.label, "value": step.count} for step in funnel]
    return render(request, "leads/report.html", {
        "form": form, "filters": filters, "funnel": funnel, "tables": tables, "chart": chart,
        "sla_minutes": report.sla_minutes(), "period_days": (filters.end - filters.start).days + 1})
