"""Reads for the customer master. Everything starts from `visible_to(user)`, except the
search-before-create lookup, which deliberately tells anyone *that* a customer exists and who
owns it — never its details (DESIGN rule 3, C1)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from shangji.core.registry import setting
from shangji.customers.dedup import (
    CreditCodeError,
    EmailError,
    MatchInput,
    PhoneError,
    blocking_keys,
    normalize_company_name,
    normalize_email,
    normalize_phone,
    score_pair,
    validate_credit_code,
)
from shangji.customers.models import Contact, Customer, CustomerMatchKey, Interaction


def customer_list(*, user, include_merged: bool = False) -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(user).select_related("owner", "industry", "city", "city__parent")
    return customers if include_merged else customers.filter(merged_into__isnull=True)


def customer_get(*, user, pk: int) -> Customer:
    """The customer if the user may see it; 404 otherwise (never reveal existence through detail pages)."""
    customers = Customer.objects.visible_to(user).select_related("owner", "created_by", "industry", "city",
                                                                 "city__parent", "merged_into")
    return get_object_or_404(customers, pk=pk)


def contact_list(*, user) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).select_related("customer")


def interaction_list(*, user) -> QuerySet[Interaction]:
    return Interaction.objects.visible_to(user).select_related("contact", "created_by")


@dataclass(frozen=True)
class MatchCandidate:
    id: int
    code: str
    name: str
    score: float
    reasons: tuple[str, ...]
    owner_id: int
    owner_name: str
    can_open: bool
    interaction_count: int = 0
    last_interaction_at: object = None


def _safe(normalize, raw: str, error_type) -> str:
    try:
        return normalize(raw) if raw else ""
    except error_type:
        return ""


def customer_match(*, user, name: str = "", credit_code: str = "", phone: str = "", email: str = "",
                   limit: int | None = None) -> list[MatchCandidate]:
    """C1/C2: likely existing customers for the given keys, best first.

    Candidates come from three indexed lookups — blocking keys of the normalized name, the exact
    credit code, the exact phone (customer or contact) — and are then scored pairwise.
    """
    query = MatchInput(
        name=normalize_company_name(name) if name.strip() else "",
        credit_code=_safe(validate_credit_code, credit_code.strip(), CreditCodeError),
        phone=_safe(normalize_phone, phone.strip(), PhoneError),
        email=_safe(normalize_email, email.strip(), EmailError),
    )
    if not (query.name or query.credit_code or query.phone or query.email):
        return []
    per_key = setting("customers.match_candidates_per_key")
    ids: set[int] = set()
    if query.name:
        for key in blocking_keys(query.name):
            ids.update(CustomerMatchKey.objects.filter(key=key[:64]).values_list("customer_id", flat=True)
                       [:per_key])
    if query.credit_code:
        ids.update(Customer.objects.filter(credit_code=query.credit_code).values_list("pk", flat=True))
    if query.phone:
        ids.update(Customer.objects.filter(phone=query.phone).values_list("pk", flat=True)[:per_key])
        ids.update(Contact.objects.filter(mobile=query.phone).values_list("customer_id", flat=True)
                   [:per_key])
    if query.email:
        ids.update(Customer.objects.filter(email=query.email).values_list("pk", flat=True)[:per_key])
    if not ids:
        return []
    rows = (Customer.objects.filter(pk__in=ids, merged_into__isnull=True)
            .values("pk", "code", "name", "name_normalized", "credit_code", "phone", "email", "owner_id",
                    "owner__name", "owner__username"))
    threshold = float(setting("customers.match_show_threshold"))
    scored = []
    for row in rows:
        result = score_pair(query, MatchInput(name=row["name_normalized"], credit_code=row["credit_code"] or "",
                                              phone=row["phone"], email=row["email"]))
        if result.score >= threshold:
            scored.append((result, row))
    scored.sort(key=lambda pair: (-pair[0].score, pair[1]["pk"]))
    scored = scored[: limit or setting("customers.match_max_candidates")]
    if not scored:
        return []
    shown = [row["pk"] for _, row in scored]
    history = {row["customer_id"]: row for row in Interaction.objects.filter(customer_id__in=shown)
               .values("customer_id").annotate(n=Count("pk"), last=Max("occurred_at"))}
    visible = set(Customer.objects.visible_to(user).filter(pk__in=shown).values_list("pk", flat=True))
    return [
        MatchCandidate(
            id=row["pk"], code=row["code"], name=row["name"], score=round(result.score, 4), reasons=result.reasons,
            owner_id=row["owner_id"], owner_name=row["owner__name"] or row["owner__username"],
            can_open=row["pk"] in visible,
            interaction_count=history.get(row["pk"], {}).get("n", 0),
            last_interaction_at=history.get(row["pk"], {}).get("last"),
        )
        for result, row in scored
    ]


def strong_match_threshold() -> Decimal:
    return setting("customers.match_strong_threshold")


def customer_search_q(text: str) -> Q:
    """The list's free-text search: code, name or normalized name."""
    text = text.strip()
    if not text:
        return Q()
    normalized = normalize_company_name(text)
    q = Q(code__iexact=text) | Q(name__icontains=text)
    if normalized:
        q |= Q(name_normalized__startswith=normalized)
    return q

