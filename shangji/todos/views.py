"""To-do pages: my list with filters, create/edit, the one-click done toggle (htmx), a record's panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.todos import selectors, services
from shangji.todos.choices import TaskEntity, TaskStatus
from shangji.todos.filtersets import TaskFilterSet
from shangji.todos.forms import QuickTaskForm, TaskForm

PAGE_SIZE = 25
PANEL_SIZE = 50  # a record's panel lists this many to-dos; the list page behind "全部" has them all
HIDDEN_FIELD_ERRORS = ("entity", "entity_id", "source")


def _form_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages_ in error.message_dict.items():
        visible = field in form.fields and field not in HIDDEN_FIELD_ERRORS
        form.add_error(field if visible else None, messages_)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _record_url(entity: str, entity_id: int | None) -> str | None:
    if entity == TaskEntity.OPPORTUNITY:
        return reverse("pipeline:detail", args=[entity_id])
    if entity == TaskEntity.CUSTOMER:
        return reverse("customers:detail", args=[entity_id])
    return None


def _changeable_task(request, pk: int):
    """The to-do (404 when the user may not see it) if the user may change it (403 otherwise)."""
    task = selectors.task_get(user=request.user, pk=pk)
    if not selectors.task_can_change(user=request.user, task=task):
        raise PermissionDenied
    return task


@login_required
def task_list_page(request):
    filterset = TaskFilterSet(request.GET, queryset=selectors.task_list(user=request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_links(user=request.user, tasks=list(page.object_list))
    return render(request, "todos/list.html", {"filter": filterset, "page": page, "back": request.get_full_path()})


@login_required
def task_create_page(request):
    entity = request.GET.get("entity", "")
    entity_id = request.GET.get("entity_id", "")
    form = TaskForm(request.POST or None, user=request.user,
                    initial={"assignee": request.user.pk, "entity": entity, "entity_id": entity_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(title=data["title"], assignee=data["assignee"], due_at=data["due_at"],
                                        entity=data["entity"], entity_id=data["entity_id"], note=data["note"],
                                        actor=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已创建待办。"))
            fallback = _record_url(task.entity, task.entity_id) or reverse("todos:list")
            return redirect(_safe_next(request, fallback))
    data = form.data if form.is_bound else form.initial
    link = selectors.link_for(user=request.user, entity=data.get("entity", ""),
                              entity_id=int(data["entity_id"]) if str(data.get("entity_id", "")).isdigit() else None)
    cancel_url = _safe_next(request, _record_url(link.entity, link.entity_id) if link and link.visible else "")
    return render(request, "todos/form.html", {"form": form, "link": link,
                                               "cancel_url": cancel_url or reverse("todos:list")})


@login_required
def task_edit_page(request, pk: int):
    task = _changeable_task(request, pk)
    form = TaskForm(request.POST or None, user=request.user, current_assignee_id=task.assignee_id, linkable=False,
                    initial={"title": task.title, "assignee": task.assignee_id, "due_at": task.due_at,
                             "note": task.note})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_update(task=task, actor=request.user, title=data["title"], due_at=data["due_at"],
                                 assignee=data["assignee"], note=data["note"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(_safe_next(request, reverse("todos:list")))
    selectors.attach_links(user=request.user, tasks=[task])
    return render(request, "todos/form.html", {"form": form, "task": task, "link": task.link,
                                               "cancel_url": _safe_next(request, reverse("todos:list"))})


@login_required
@require_POST
def task_set_status(request, pk: int):
    """Done / not done in one click. The wanted status is explicit, so a double click cannot undo itself."""
    task = _changeable_task(request, pk)
    wanted = request.POST.get("status")
    if wanted not in TaskStatus.values:
        return HttpResponseBadRequest(_("状态无效。"))
    if wanted == TaskStatus.DONE:
        task = services.task_complete(task=task, actor=request.user)
    else:
        task = services.task_reopen(task=task, actor=request.user)
    if not request.htmx:
        messages.success(request, _("已完成待办。") if wanted == TaskStatus.DONE else _("已重新打开待办。"))
        return redirect(_safe_next(request, reverse("todos:list")))
    task = selectors.task_get(user=request.user, pk=task.pk)
    selectors.attach_links(user=request.user, tasks=[task])
    layout = "item" if request.POST.get("layout") == "item" else "row"
    return render(request, f"todos/_task_{layout}.html", {"task": task, "back": request.POST.get("next", "")})


@login_required
def record_panel(request, entity: str, entity_id: int):
    """The to-do panel of a deal, customer or contact page (loaded with htmx); 404 for hidden records."""
    record = selectors.record_get(user=request.user, entity=entity, entity_id=entity_id)
    form = QuickTaskForm(request.POST or None, user=request.user, prefix="todo",
                         initial={"assignee": request.user.pk})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.task_create(title=data["title"], assignee=data["assignee"], due_at=data["due_at"],
                                     entity=entity, entity_id=record.pk, actor=request.user)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                form = QuickTaskForm(user=request.user, prefix="todo", initial={"assignee": request.user.pk})
                if not request.htmx:
                    messages.success(request, _("已创建待办。"))
        if not request.htmx:
            if form.errors:
                messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect(_record_url(entity, record.pk) or reverse("todos:list"))
    tasks = list(selectors.tasks_for_record(user=request.user, entity=entity, entity_id=record.pk)[:PANEL_SIZE])
    selectors.attach_links(user=request.user, tasks=tasks, with_links=False)
    return render(request, "todos/_record_panel.html", {
        "tasks": tasks, "form": form, "entity": entity, "record": record,
        "open_count": sum(1 for task in tasks if task.is_open),
        "back": _record_url(entity, record.pk) or "",
    })
