"""Customer pages: list, detail, search-before-create, edit, contacts, interactions, merge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.core.customfields import custom_rows, export_columns
from shangji.core.exports import csv_response
from shangji.core.selectors import audit_trail
from shangji.core.visibility import can_change
from shangji.customers import selectors, services
from shangji.customers.filtersets import CustomerFilterSet
from shangji.customers.forms import ContactForm, CustomerForm, InteractionForm, MergeForm
from shangji.pipeline.selectors import opportunity_list
from shangji.visits.health import customer_health
from shangji.visits.selectors import customer_visit_timeline
from shangji.web.pages import submit

PAGE_SIZE = 25
VISITS_SHOWN = 20  # visits on the customer page's timeline: a layout choice


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@login_required
def customer_list_page(request):
    filterset = CustomerFilterSet(request.GET, queryset=selectors.customer_list(user=request.user), request=request)
    page = Paginator(filterset.qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {"filter": filterset, "page": page})


@login_required
def customer_export(request):
    """The filtered list as CSV — exactly the rows the list page would show this user (O2)."""
    filterset = CustomerFilterSet(request.GET, queryset=selectors.customer_list(user=request.user), request=request)
    rows = filterset.qs.order_by("-created_at", "-id").values_list(
        "code", "name", "credit_code", "industry__name", "grade", "scale", "city__parent__name", "city__name",
        "phone", "email", "owner__name", "created_at", "custom").iterator(chunk_size=2000)
    header = [_("客户编号"), _("客户名称"), _("统一社会信用代码"), _("行业"), _("等级"), _("规模"), _("大区"),
              _("地市"), _("电话"), _("邮箱"), _("负责人"), _("创建时间")]
    custom_header, custom_cells = export_columns("customer", request=request)  # A2: one column per custom field
    return csv_response(filename="customers", header=header + custom_header,
                        rows=((*row[:-1], *custom_cells(row[-1])) for row in rows))


@login_required
def customer_detail(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    contacts = list(customer.contacts.all())
    health = customer_health(customer)
    contact_custom = custom_rows(contacts, entity="contact", request=request)
    for contact in contacts:
        contact.custom_rows = [row for row in contact_custom[contact.pk] if row.text]
    context = {
        "customer": customer,
        "custom_rows": custom_rows([customer], entity="customer", request=request)[customer.pk],
        "contacts": contacts,
        "interactions": customer.interactions.select_related("contact", "created_by")[:30],
        "opportunities": opportunity_list(user=request.user).filter(customer=customer).order_by("-updated_at"),
        "collaborators": customer.shares.select_related("user"),
        "audit": audit_trail(entity="customer", entity_id=customer.pk),
        "can_change": can_change(request.user, customer.owner_id),
        "contact_form": ContactForm(user=request.user, request=request),
        "interaction_form": InteractionForm(),
        "merge_form": MergeForm(),
        "can_merge": request.user.is_manager or request.user.can_edit_everything,
        # C4: the visit timeline (visits the viewer may see) and the health radar
        "visit_timeline": customer_visit_timeline(user=request.user, customer=customer, limit=VISITS_SHOWN),
        "health": health,
        "health_chart": health.chart(),
    }
    return render(request, "customers/detail.html", context)


def _fields(data: dict) -> services.CustomerFields:
    return services.CustomerFields(
        name=data["name"], credit_code=data["credit_code"], phone=data["phone"], email=data["email"],
        industry_id=data["industry"].pk if data["industry"] else None, scale=data["scale"], grade=data["grade"],
        city_id=data["city"].pk if data["city"] else None, address=data["address"],
    )


@login_required
def customer_create(request):
    form = CustomerForm(request.POST or None, user=request.user, request=request)
    candidates = []
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, fields=_fields(form.cleaned_data),
                                                duplicate_override_reason=form.cleaned_data["duplicate_override_reason"],
                                                custom=form.custom_values())
        except services.DuplicateSuspected as error:
            candidates = error.candidates
            _form_errors(form, error)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已创建客户“%(name)s”（%(code)s）。") % {"name": customer.name,
                                                                              "code": customer.code})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "candidates": candidates, "creating": True,
                                                   "strong": selectors.strong_match_threshold()})


@login_required
def customer_edit(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not can_change(request.user, customer.owner_id):
        raise PermissionDenied
    initial = {key: getattr(customer, key) for key in ("name", "phone", "email", "scale", "grade", "address")}
    initial |= {"credit_code": customer.credit_code or "", "industry": customer.industry_id, "city": customer.city_id}
    form = CustomerForm(request.POST or None, initial=initial, user=request.user, record=customer, request=request)
    candidates = []
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, actor=request.user, fields=_fields(form.cleaned_data),
                                     duplicate_override_reason=form.cleaned_data["duplicate_override_reason"],
                                     custom=form.custom_values())
        except services.DuplicateSuspected as error:
            candidates = error.candidates
            _form_errors(form, error)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "candidates": candidates,
                                                   "strong": selectors.strong_match_threshold()})


@login_required
def customer_match_partial(request):
    """htmx: the duplicate warning shown while the user types on the create page (C1)."""
    candidates = selectors.customer_match(
        user=request.user, name=request.GET.get("name", "")[:200], credit_code=request.GET.get("credit_code", "")[:40],
        phone=request.GET.get("phone", "")[:40], email=request.GET.get("email", "")[:120])
    exclude = request.GET.get("exclude")
    if exclude and exclude.isdigit():
        candidates = [c for c in candidates if c.id != int(exclude)]
    return render(request, "customers/_match.html", {"candidates": candidates,
                                                     "strong": selectors.strong_match_threshold()})


def _changeable_customer(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not can_change(request.user, customer.owner_id):
        raise PermissionDenied
    return customer


@login_required
@require_POST
def contact_add(request, pk: int):
    customer = _changeable_customer(request, pk)
    form = ContactForm(request.POST, user=request.user, request=request)
    submit(request, form, lambda data: services.contact_create(
        customer=customer, actor=request.user, custom=form.custom_values(),
        fields=services.ContactFields(**{key: data[key] for key in services.ContactFields.__dataclass_fields__})),
        _("已添加联系人。"))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def interaction_add(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    submit(request, InteractionForm(request.POST), lambda data: services.interaction_record(
        customer=customer, actor=request.user, **data), _("已记录互动。"))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_merge(request, pk: int):
    survivor = selectors.customer_get(user=request.user, pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写被合并客户和合并理由。"))
        return redirect("customers:detail", pk=pk)
    duplicate = get_object_or_404(selectors.customer_list(user=request.user), pk=form.cleaned_data["duplicate"])
    try:
        services.customer_merge(survivor=survivor, duplicate=duplicate, actor=request.user,
                                reason=form.cleaned_data["reason"])
        messages.success(request, _("已将“%(name)s”合并到本客户。") % {"name": duplicate.name})
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("customers:detail", pk=pk)
