"""L8: a lead becomes customer + contact + opportunity in one step, through search-before-create (C1/C2).

If the lead's company matches an existing customer the user may see, the caller links to it (`customer=`);
creating a new one anyway needs a reason, exactly as on the customer form.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.services import audit_record, event_emit
from shangji.customers.models import Customer
from shangji.customers.selectors import customer_match
from shangji.customers.services import ContactFields, CustomerFields, contact_create, customer_create
from shangji.leads.choices import LeadStatus
from shangji.leads.models import Lead
from shangji.pipeline.services import opportunity_create


def conversion_matches(*, lead: Lead, actor) -> list:
    """Existing customers the lead's company may already be (shown before converting)."""
    return customer_match(user=actor, name=lead.company or lead.name, phone=lead.phone if lead.phone_valid else "",
                          email=lead.email)


@transaction.atomic
def lead_convert(*, lead: Lead, actor, customer: Customer | None = None, opportunity_name: str = "",
                 amount: Decimal | str | None = None, duplicate_override_reason: str = "") -> Lead:
    """Create (or link) the customer, add the lead as a contact and open a deal owned by the lead's owner.
    Raises DuplicateSuspected (with the candidates) when a new customer looks like an existing one."""
    from shangji.core.visibility import can_change
    from shangji.leads.nurture import enrollment_exit
    from shangji.leads.services import copy_fields

    fresh = Lead.objects.select_for_update().get(pk=lead.pk)
    if fresh.owner_id is None or not can_change(actor, fresh.owner_id):
        raise PermissionDenied(_("只有线索负责人及其上级可以转化线索。"))
    if not fresh.is_open:
        raise ValidationError({"status": [_("该线索已关闭，不能再转化。")]})
    owner = fresh.owner
    if customer is not None:
        if not Customer.objects.visible_to(actor).filter(pk=customer.pk, merged_into__isnull=True).exists():
            raise PermissionDenied(_("您无权关联该客户，请联系其负责人协作。"))
    else:
        customer = customer_create(
            actor=actor, owner=owner, duplicate_override_reason=duplicate_override_reason,
            fields=CustomerFields(name=fresh.company or fresh.name, phone=fresh.phone if fresh.phone_valid else "",
                                  email=fresh.email, industry_id=fresh.industry_id, scale=fresh.scale,
                                  city_id=fresh.city_id, latitude=fresh.latitude, longitude=fresh.longitude))
    contact = contact_create(customer=customer, actor=actor, fields=ContactFields(
        name=fresh.name, title=fresh.title, mobile=fresh.phone if fresh.phone_valid else "", email=fresh.email,
        is_primary=not customer.contacts.exists()))
    name = (opportunity_name or "").strip() or _("%(company)s 新商机") % {"company": customer.name}
    opportunity = opportunity_create(actor=actor, customer=customer, name=name, owner=owner,
                                     amount=amount if amount not in (None, "") else 0,
                                     description=fresh.need)
    now = timezone.now()
    fresh.status, fresh.converted_at, fresh.updated_at, fresh.last_progress_at = (
        LeadStatus.CONVERTED, now, now, now)
    fresh.customer, fresh.contact, fresh.opportunity, fresh.silent_since = customer, contact, opportunity, None
    fresh.save(update_fields=["status", "converted_at", "updated_at", "last_progress_at", "customer", "contact",
                              "opportunity", "silent_since"])
    audit_record(entity="lead", entity_id=fresh.pk, action="converted", actor=actor,
                 changes={"status": (lead.status, LeadStatus.CONVERTED), "customer_id": (None, customer.pk),
                          "opportunity_id": (None, opportunity.pk)})
    event_emit(name="lead.updated", entity="lead", entity_id=fresh.pk, actor=actor,
               payload={"changed": ["status"], "previous": {"status": lead.status},
                        "opportunity": opportunity.pk})
    enrollment_exit(lead=fresh, reason=_("已转化为商机"))
    copy_fields(fresh, lead)
    return lead
