"""Writes for the customer master (C1–C3). Every write is atomic and leaves audit/event rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.core.customfields import custom_values_apply
from shangji.core.registry import setting
from shangji.core.services import audit_record, changes_payload, event_emit
from shangji.core.text import clean_text
from shangji.customers.choices import Grade, Scale
from shangji.customers.dedup import (
    CreditCodeError,
    EmailError,
    PhoneError,
    blocking_keys,
    normalize_company_name,
    normalize_email,
    normalize_phone,
    validate_credit_code,
)
from shangji.customers.models import (
    Contact,
    Customer,
    CustomerMatchKey,
    CustomerMerge,
    CustomerShare,
    Interaction,
)
from shangji.customers.selectors import MatchCandidate, customer_match

CODE_TAKEN = gettext_lazy("该统一社会信用代码已登记为其他客户。")
AUDITED_FIELDS = ("name", "credit_code", "owner_id", "grade", "industry_id", "city_id", "phone", "email")


class DuplicateSuspected(ValidationError):
    """C1: a strong match exists and no override reason was given."""

    def __init__(self, candidates: list[MatchCandidate]):
        self.candidates = candidates
        best = candidates[0]
        owner = best.owner_name or "—"
        super().__init__(
            {"duplicate_override_reason": [
                _("疑似重复客户：已存在“%(name)s”（负责人：%(owner)s，相似度 %(score)s）。"
                  "如确认是不同客户，请填写重复创建理由。")
                % {"name": best.name, "owner": owner, "score": f"{best.score:.0%}"}
            ]},
            code="duplicate_suspected",
        )


@dataclass(frozen=True)
class CustomerFields:
    """The editable fields of a customer, already typed; services validate and normalize them."""

    name: str
    credit_code: str = ""
    phone: str = ""
    email: str = ""
    industry_id: int | None = None
    scale: str = ""
    grade: str = "C"
    city_id: int | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _normalized(fields: CustomerFields) -> dict:
    """Validate and normalize; raise one ValidationError naming every bad field, in Chinese."""
    errors: dict[str, list[str]] = {}
    values = {key: getattr(fields, key) for key in CustomerFields.__dataclass_fields__}
    name = clean_text(fields.name)
    if not name:
        errors["name"] = [_("请填写客户名称。")]
    elif len(name) > setting("customers.name_max_length"):
        errors["name"] = [_("客户名称过长（最多 %(max)s 个字）。") % {"max": setting("customers.name_max_length")}]
    values["name"] = name
    for key, normalize, error_type in (("credit_code", validate_credit_code, CreditCodeError),
                                       ("phone", normalize_phone, PhoneError),
                                       ("email", normalize_email, EmailError)):
        raw = clean_text(getattr(fields, key))
        try:
            values[key] = normalize(raw) if raw else ""
        except error_type as error:
            errors[key] = [str(error)]
    values["address"] = clean_text(fields.address)[:200]
    if fields.grade not in Grade.values:
        errors["grade"] = [_("客户等级只能是 A、B、C、D。")]
    if fields.scale and fields.scale not in Scale.values:
        errors["scale"] = [_("客户规模不在可选范围内。")]
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = getattr(fields, key)
        if value is not None and not -limit <= value <= limit:
            errors[key] = [_("坐标超出范围。")]
    if errors:
        raise ValidationError(errors)
    values["credit_code"] = values["credit_code"] or None
    return values


def _check_duplicates(*, actor, values: dict, override_reason: str, exclude_id: int | None = None) -> None:
    candidates = [c for c in customer_match(user=actor, name=values["name"], credit_code=values["credit_code"] or "",
                                            phone=values["phone"], email=values["email"]) if c.id != exclude_id]
    same_code = [c for c in candidates if "credit_code" in c.reasons]
    if same_code:
        owner = same_code[0].owner_name or "—"
        # A credit code identifies exactly one legal entity, so no reason can justify a second record.
        message = _("该统一社会信用代码已登记为客户“%(name)s”（负责人：%(owner)s）。") % {
            "name": same_code[0].name, "owner": owner}
        raise ValidationError({"credit_code": [message]}, code="duplicate_credit_code")
    strong = setting("customers.match_strong_threshold")
    if candidates and Decimal(str(candidates[0].score)) >= strong and not override_reason:
        raise DuplicateSuspected(candidates)


def _write_match_keys(customer: Customer) -> None:
    CustomerMatchKey.objects.filter(customer=customer).delete()
    CustomerMatchKey.objects.bulk_create(
        CustomerMatchKey(customer=customer, key=key[:64]) for key in blocking_keys(customer.name_normalized)
    )


@transaction.atomic
def customer_create(*, actor, fields: CustomerFields, owner=None, duplicate_override_reason: str = "",
                    custom: dict | None = None) -> Customer:
    values = _normalized(fields)
    custom_changes = custom_values_apply(entity="customer", current=None, given=custom)
    reason = clean_text(duplicate_override_reason)[:500]
    _check_duplicates(actor=actor, values=values, override_reason=reason)
    now = timezone.now()
    customer = Customer(**values, custom=custom_changes.values, name_normalized=normalize_company_name(values["name"]),
                        owner=owner or actor, created_by=actor, created_at=now, updated_at=now,
                        duplicate_override_reason=reason, code=f"tmp-{uuid.uuid4().hex[:16]}")
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise ValidationError({"credit_code": [CODE_TAKEN]}, code="duplicate_credit_code") from None
    customer.code = f"{setting('customers.code_prefix')}{customer.pk:08d}"
    customer.save(update_fields=["code"])
    _write_match_keys(customer)
    audit_record(entity="customer", entity_id=customer.pk, action="created", actor=actor,
                 changes={"owner_id": (None, customer.owner_id)}, note=reason)
    event_emit(name="customer.created", entity="customer", entity_id=customer.pk, actor=actor,
               payload={"duplicate_override_reason": reason} if reason else {})
    return customer


def customer_fields_of(customer: Customer) -> CustomerFields:
    """The customer's current editable values, for a caller that changes only something else (e.g. the owner)."""
    values = {name: getattr(customer, name) for name in CustomerFields.__dataclass_fields__}
    values["credit_code"] = values["credit_code"] or ""  # stored as NULL when absent
    return CustomerFields(**values)


@transaction.atomic
def customer_update(*, customer: Customer, actor, fields: CustomerFields, owner=None,
                    duplicate_override_reason: str = "", custom: dict | None = None) -> Customer:
    """`custom` is a partial update (given keys replace, others are kept); the result must hold the required ones."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_merged:
        raise ValidationError(_("该客户已被合并，请编辑保留的客户。"), code="merged")
    values = _normalized(fields)
    custom_changes = custom_values_apply(entity="customer", current=customer.custom, given=custom)
    if values["name"] != customer.name or values["credit_code"] != customer.credit_code:
        _check_duplicates(actor=actor, values=values, override_reason=clean_text(duplicate_override_reason),
                          exclude_id=customer.pk)
    if owner is not None:
        values["owner_id"] = owner.pk
    changes = {}
    for key, value in values.items():
        if getattr(customer, key) != value:
            changes[key] = (getattr(customer, key), value)
            setattr(customer, key, value)
    if custom_changes.changed:
        customer.custom = custom_changes.values
        changes |= custom_changes.payload_changes()
    customer.name_normalized = normalize_company_name(customer.name)
    customer.updated_at = timezone.now()
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise ValidationError({"credit_code": [CODE_TAKEN]}, code="duplicate_credit_code") from None
    if "name" in changes:
        _write_match_keys(customer)
    audited = {key: pair for key, pair in changes.items() if key in AUDITED_FIELDS} | custom_changes.audit_changes()
    if audited:
        audit_record(entity="customer", entity_id=customer.pk, action="updated", actor=actor, changes=audited)
    if changes:
        event_emit(name="customer.updated", entity="customer", entity_id=customer.pk, actor=actor,
                   payload=changes_payload(changes))
    return customer


def can_merge(*, actor, survivor: Customer, duplicate: Customer) -> bool:
    """Only someone who sees both records and manages them (manager/company-wide role) may merge."""
    from shangji.core.visibility import scope_for

    scope = scope_for(actor)
    if scope.sees_all:
        return True
    return actor.is_manager and {survivor.owner_id, duplicate.owner_id} <= scope.owner_ids


@transaction.atomic
def customer_merge(*, survivor: Customer, duplicate: Customer, actor, reason: str) -> CustomerMerge:
    """C2: move everything of `duplicate` onto `survivor`; the duplicate stays as a pointer."""
    from shangji.pipeline.models import Opportunity

    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("请填写合并理由。")]})
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("不能把客户合并到自己。"), code="invalid")
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    if survivor.is_merged or duplicate.is_merged:
        raise ValidationError(_("其中一个客户已被合并过。"), code="merged")
    if not can_merge(actor=actor, survivor=survivor, duplicate=duplicate):
        raise PermissionDenied(_("只有主管或管理员可以合并客户。"))
    moved = {
        "contacts": list(duplicate.contacts.values_list("pk", flat=True)),
        "interactions": list(duplicate.interactions.values_list("pk", flat=True)),
        "opportunities": list(Opportunity.objects.filter(customer=duplicate).values_list("pk", flat=True)),
    }
    Contact.objects.filter(customer=duplicate).update(customer=survivor)
    Interaction.objects.filter(customer=duplicate).update(customer=survivor)
    Opportunity.objects.filter(customer=duplicate).update(customer=survivor)
    from shangji.visits.services import visits_move_customer  # visits sit above customers

    moved["visits"] = visits_move_customer(source=duplicate, target=survivor)
    existing = set(survivor.shares.values_list("user_id", flat=True)) | {survivor.owner_id}
    for share in duplicate.shares.exclude(user_id__in=existing):
        CustomerShare.objects.create(customer=survivor, user_id=share.user_id, note=share.note)
    if duplicate.owner_id not in existing:
        # The duplicate's owner keeps access to the history they built (O2 collaborators).
        CustomerShare.objects.create(customer=survivor, user_id=duplicate.owner_id, note="合并前负责人")
    for key in ("phone", "email", "address", "credit_code"):
        if not getattr(survivor, key) and getattr(duplicate, key):
            setattr(survivor, key, getattr(duplicate, key))
    survivor.custom = {**(duplicate.custom or {}), **(survivor.custom or {})}  # A2: fill the survivor's blanks
    duplicate.merged_into = survivor
    duplicate.credit_code = None
    duplicate.updated_at = survivor.updated_at = timezone.now()
    duplicate.save(update_fields=["merged_into", "credit_code", "updated_at"])
    survivor.save()
    CustomerMatchKey.objects.filter(customer=duplicate).delete()
    merge = CustomerMerge.objects.create(survivor=survivor, merged=duplicate, merged_by=actor,
                                         merged_at=timezone.now(), reason=reason[:500], moved=moved)
    audit_record(entity="customer", entity_id=survivor.pk, action="merged", actor=actor,
                 changes={"merged_from": (None, duplicate.pk)}, note=reason)
    audit_record(entity="customer", entity_id=duplicate.pk, action="merged_into", actor=actor,
                 changes={"merged_into": (None, survivor.pk)}, note=reason)
    event_emit(name="customer.merged", entity="customer", entity_id=survivor.pk, actor=actor,
               payload={"merged": duplicate.pk, **moved})
    return merge


@dataclass(frozen=True)
class ContactFields:
    name: str
    title: str = ""
    mobile: str = ""
    email: str = ""
    wechat: str = ""
    decision_role: str = "user"
    attitude: str = "unknown"
    is_primary: bool = False


def _contact_values(fields: ContactFields) -> dict:
    errors: dict[str, list[str]] = {}
    values = {key: getattr(fields, key) for key in ContactFields.__dataclass_fields__}
    for key in ("name", "title", "wechat"):
        values[key] = clean_text(values[key])
    if not values["name"]:
        errors["name"] = [_("请填写联系人姓名。")]
    for key, normalize, error_type in (("mobile", normalize_phone, PhoneError), ("email", normalize_email, EmailError)):
        raw = clean_text(values[key])
        try:
            values[key] = normalize(raw) if raw else ""
        except error_type as error:
            errors[key] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def contact_create(*, customer: Customer, actor, fields: ContactFields, custom: dict | None = None) -> Contact:
    values = _contact_values(fields)
    custom_changes = custom_values_apply(entity="contact", current=None, given=custom)
    contact = Contact(customer=customer, created_at=timezone.now(), custom=custom_changes.values, **values)
    contact.full_clean(exclude=["customer"])
    contact.save()
    audit_record(entity="contact", entity_id=contact.pk, action="created", actor=actor)
    event_emit(name="contact.created", entity="contact", entity_id=contact.pk, actor=actor,
               payload={"customer": customer.pk})
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor, fields: ContactFields, custom: dict | None = None) -> Contact:
    """`custom` is a partial update (given keys replace, others are kept)."""
    values = _contact_values(fields)
    custom_changes = custom_values_apply(entity="contact", current=contact.custom, given=custom)
    changes = {k: (getattr(contact, k), v) for k, v in values.items() if getattr(contact, k) != v}
    for key, value in values.items():
        setattr(contact, key, value)
    contact.custom = custom_changes.values
    contact.full_clean(exclude=["customer"])
    contact.save()
    changes |= custom_changes.payload_changes()
    if changes:
        audited = {k: v for k, v in changes.items() if not k.startswith("custom.")} | custom_changes.audit_changes()
        audit_record(entity="contact", entity_id=contact.pk, action="updated", actor=actor, changes=audited)
        event_emit(name="contact.updated", entity="contact", entity_id=contact.pk, actor=actor,
                   payload=changes_payload(changes))
    return contact


@transaction.atomic
def interaction_record(*, customer: Customer, actor, kind: str, summary: str, occurred_at=None,
                       contact: Contact | None = None, opportunity=None) -> Interaction:
    """`opportunity` links the touch point to a deal of this customer (P2 activity gates)."""
    summary = clean_text(summary)
    if not summary:
        raise ValidationError({"summary": [_("请填写互动内容。")]})
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": [_("联系人不属于该客户。")]})
    if opportunity is not None and opportunity.customer_id != customer.pk:
        raise ValidationError({"opportunity": [_("商机不属于该客户。")]})
    now = timezone.now()
    interaction = Interaction(customer=customer, contact=contact, kind=kind, summary=summary[:5000],
                              occurred_at=occurred_at or now, created_by=actor, created_at=now, opportunity=opportunity)
    interaction.full_clean(exclude=["customer", "contact", "created_by", "opportunity"])
    interaction.save()
    event_emit(name="customer.interaction_recorded", entity="customer", entity_id=customer.pk, actor=actor,
               payload={"interaction": interaction.pk, "kind": kind,
                        "opportunity": opportunity.pk if opportunity is not None else None})
    return interaction
