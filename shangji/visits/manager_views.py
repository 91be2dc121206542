"""/visits/team/: the manager's page of field visits (V2 top problems, V3 authenticity, V4 timeliness and key
actions) per rep, team and city, with the period's visits and their flags.

Anyone signed in may open it; every number comes from the visits the user may see, so a rep gets their own, a
team lead the team's, a regional manager the region's and a director the company's. The numbers are read from the
rollups the services keep (metrics.py, rollups.py); the tables' rows are written out once in Python (TableRow), the
period's visits are read 50 a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.core.registry import setting
from shangji.visits import metrics
from shangji.visits.choices import CheckInFlag
from shangji.visits.photos import PhotoFlag
from shangji.web.forms import clean_period, style_fields

PERIODS = [("week", gettext_lazy("本周")), ("7", gettext_lazy("最近 7 天")), ("30", gettext_lazy("最近 30 天")),
           ("90", gettext_lazy("最近 90 天")), ("custom", gettext_lazy("自定义日期"))]
DEFAULT_PERIOD = "30"
PAGE_SIZE = 50


class ManagerFilterForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("期间"), choices=PERIODS, required=False, initial=DEFAULT_PERIOD)
    start = forms.DateField(label=gettext_lazy("开始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("结束日期"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(label=gettext_lazy("团队"), required=False, queryset=None,
                                  empty_label=gettext_lazy("全部"))
    city = forms.ModelChoiceField(label=gettext_lazy("客户地市"), required=False, queryset=None,
                                  empty_label=gettext_lazy("全部"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = metrics.team_choices(user)
        self.fields["city"].queryset = metrics.city_choices()
        self.fields["period"].error_messages["invalid_choice"] = _("没有这个期间，请从列表中选择。")
        self.fields["start"].error_messages["invalid"] = _("开始日期格式不正确，请按 年-月-日 填写。")
        self.fields["end"].error_messages["invalid"] = _("结束日期格式不正确，请按 年-月-日 填写。")
        self.fields["team"].error_messages["invalid_choice"] = _("没有这个团队，或您无权查看它。")
        self.fields["city"].error_messages["invalid_choice"] = _("没有这个地市。")
        style_fields(self, small=True)

    def clean(self):
        return clean_period(self, super().clean(), default=DEFAULT_PERIOD,
                            longest_days=setting("visits.manager_max_days"))

    def filters(self) -> metrics.Filters:
        """The filters to apply; the default period and no team or city when the form is invalid (its errors
        are shown, so the page never answers a bad value with numbers for something else silently)."""
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period", DEFAULT_PERIOD)
        if period == "custom":
            chosen = metrics.Period(data["start"], data["end"])
        elif period == "week":
            chosen = metrics.this_week()
        else:
            chosen = metrics.last_days(int(period))
        return metrics.Filters(period=chosen, team_id=data["team"].pk if data.get("team") else None,
                               city_id=data["city"].pk if data.get("city") else None)


@dataclass(frozen=True)
class TableRow:
    """A row of the rep, team or city table with its cells already written out: 200 reps × 9 cells through template
    variables and filters cost more than every query of the page, so each row is formatted once, here."""

    key: int | None
    cells: str  # safe HTML: the row's <td> elements


class _Texts:
    """The words every row repeats, translated once per request."""

    def __init__(self, data: metrics.Metrics):
        self.data = data
        self.clean = _("无异常")
        self.timely = _("%(n)s/%(d)s 条及时记录")
        self.actions = _("完成 %(done)s · 未完成 %(missed)s · 待确认 %(pending)s")
        self.photo = {flag: str(PhotoFlag(flag).label) for flag in PhotoFlag.values}
        self.checkin = {flag: str(CheckInFlag(flag).label) for flag in CheckInFlag.values}


def _percent(value: float | None) -> tuple[str, str]:
    return ("—", "") if value is None else (f"{value:.1f}%", f"{value:.2f}")


def _against(value: float | None, target: int) -> str:
    return "" if value is None else "text-success" if value >= target else "text-danger"


def _problems(counts: dict[str, int], labels: dict[str, str], *, skip: str = "") -> list[tuple[str, int]]:
    """(label, count) of each flag, most frequent first."""
    items = [(labels.get(flag, flag), count) for flag, count in counts.items() if count and flag != skip]
    return sorted(items, key=lambda item: (-item[1], item[0]))


# The cells are written with html.escape and f-strings: format_html costs three times as much per value, and a
# director's page has 200 reps × 9 cells. Every value from data goes through escape().


def _rate(value: float | None, *, tone: str, title: str, extra: str = "") -> str:
    text, sort = _percent(value)
    return (f'<td class="text-end sj-amount {tone}" data-value="{sort}" title="{escape(title)}">{text}'
            f"{extra}</td>")


def _count(value: int) -> str:
    return f'<td class="text-end sj-amount" data-value="{value}">{value}</td>'


def _rates(row: metrics.Row, texts: _Texts, photos: list, checkins: list) -> str:
    """Timeliness, key actions, photo and check-in authenticity of one row, as four cells."""
    data = texts.data
    pending = f' <small class="sj-muted">+{row.actions_pending}</small>' if row.actions_pending else ""
    return "".join([
        _rate(row.timely_pct, tone=_against(row.timely_pct, data.timely_target),
              title=texts.timely % {"n": row.timely, "d": row.timed}),
        _rate(row.action_pct, tone=_against(row.action_pct, data.action_target), extra=pending,
              title=texts.actions % {"done": row.actions_done, "missed": row.actions_missed,
                                     "pending": row.actions_pending}),
        _rate(row.photo_clean_pct, tone="",
              title="；".join(f"{label} {count}" for label, count in photos) or texts.clean),
        _rate(row.checkin_ok_pct, tone="",
              title="；".join(f"{label} {count}" for label, count in checkins) or texts.clean),
    ])


def _rep_rows(rows: list[metrics.Row], texts: _Texts) -> list[TableRow]:
    result = []
    for row in rows:
        photos = _problems(row.photo_flags, texts.photo)
        checkins = _problems(row.checkin_flags, texts.checkin, skip=CheckInFlag.OK)
        badges = "".join([*(f'<span class="badge text-bg-warning fw-normal me-1">{escape(label)} {count}</span>'
                            for label, count in photos),
                          *(f'<span class="badge text-bg-light border fw-normal me-1">{escape(label)} {count}</span>'
                            for label, count in checkins)])
        label, team = escape(row.label), escape(row.team)
        result.append(TableRow(row.key, mark_safe(  # every value in it is escaped above
            f'<td data-value="{label}">{label}</td><td data-value="{team}" class="text-nowrap">{team}</td>'
            f"{_count(row.visits)}{_count(row.checked_in_only)}{_rates(row, texts, photos, checkins)}"
            f'<td class="small">{badges}</td>')))
    return result


def _group_rows(rows: list[metrics.Row], texts: _Texts) -> list[TableRow]:
    result = []
    for row in rows:
        label = escape(row.label)
        rates = _rates(row, texts, _problems(row.photo_flags, texts.photo),
                       _problems(row.checkin_flags, texts.checkin, skip=CheckInFlag.OK))
        result.append(TableRow(row.key, mark_safe(  # every value in it is escaped above
            f'<td data-value="{label}" class="text-nowrap">{label}</td>{_count(row.visits)}{rates}')))
    return result


class CountedPaginator(Paginator):
    """A paginator told its count (from the rollups) instead of counting the visits again."""

    def __init__(self, object_list, per_page, *, count: int | None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # the cached_property's slot


def _recent_page(request, filters: metrics.Filters, data: metrics.Metrics | None = None):
    count = metrics.recent_count(user=request.user, filters=filters, data=data)
    page = CountedPaginator(metrics.recent_visits(user=request.user, filters=filters), PAGE_SIZE,
                            count=count).get_page(request.GET.get("page"))
    page.object_list = metrics.with_flags(list(page.object_list))
    return page


@login_required
def index(request):
    form = ManagerFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    if request.htmx and request.GET.get("part") == "recent":  # the recent visits' pages load on their own
        return render(request, "visits/_manager_recent.html", {"page": _recent_page(request, filters)})
    data = metrics.visit_metrics(user=request.user, filters=filters)
    chart = {
        "teams": [row.label for row in data.teams if row.timely_pct is not None],
        "timely": [round(row.timely_pct, 1) for row in data.teams if row.timely_pct is not None],
        "actions": [None if row.action_pct is None else round(row.action_pct, 1)
                    for row in data.teams if row.timely_pct is not None],
        "timely_target": data.timely_target, "action_target": data.action_target,
        "labels": {"timely": _("及时记录率"), "actions": _("承诺完成率"), "target": _("目标")},
    }
    texts = _Texts(data)
    return render(request, "visits/manager.html", {
        "form": form, "filters": filters, "metrics": data, "chart": chart,
        "reps": _rep_rows(data.reps, texts), "teams": _group_rows(data.teams, texts),
        "cities": _group_rows(data.cities, texts),
        "problems": metrics.top_problems(user=request.user, filters=filters),
        "page": _recent_page(request, filters, data), "previous": filters.period.previous(),
        "sees_others": len(data.reps) > 1 or request.user.is_manager or request.user.sees_whole_company})
