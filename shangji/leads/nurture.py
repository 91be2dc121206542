"""L6: low-score leads get a content sequence; high-score leads raise a sales alert.

A lead whose score is below ``leads.nurture_below_score`` joins the first active sequence. Each step is a timer
(DESIGN rule 5): when it fires, the step's content goes out by e-mail (to the lead) or to a webhook subscription,
with a tracked link. A click on the link counts as engagement: the lead leaves the sequence, its download count
rises and it is scored again — crossing ``leads.hot_score`` alerts its owner and their manager.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.core.timers import register_timer_handler, timer_cancel, timer_start
from shangji.leads.choices import NurtureChannel, NurtureStatus
from shangji.leads.models import Lead, NurtureEnrollment, NurtureSequence

TIMER_KIND = "lead_nurture"


def after_scoring(lead: Lead, *, previous_score: int | None) -> None:
    """Called by the services whenever a lead gets a (new) score."""
    if not lead.is_open or lead.score is None:
        return
    hot, low = setting("leads.hot_score"), setting("leads.nurture_below_score")
    if lead.score >= low and previous_score is not None and previous_score < low:
        enrollment_exit(lead=lead, reason=_("评分升至 %(score)s，转销售跟进") % {"score": lead.score})
    if lead.score >= hot and (previous_score is None or previous_score < hot):
        _hot_alert(lead)
    elif lead.score < low and previous_score is None:
        enroll(lead)


def _hot_alert(lead: Lead) -> None:
    from shangji.automation.actions import managers_above
    from shangji.leads.services import team_managers
    from shangji.notify.services import notification_send

    if lead.owner_id:
        recipients = [lead.owner, *managers_above(lead.owner, levels=1)]
    else:
        recipients = team_managers(lead.team)
    notification_send(recipients=recipients,
                      title=_("高意向线索：%(lead)s（%(score)s 分），请立即跟进") % {"lead": lead, "score": lead.score},
                      body=lead.top_reasons(), link=reverse("leads:detail", args=[lead.pk]), entity="lead",
                      entity_id=lead.pk, source="leads")


def enroll(lead: Lead) -> NurtureEnrollment | None:
    sequence = NurtureSequence.objects.filter(is_active=True).order_by("pk").first()
    if sequence is None or not sequence.steps.exists():
        return None
    if lead.nurture.filter(status=NurtureStatus.ACTIVE).exists():
        return None
    if sequence.channel == NurtureChannel.EMAIL and not lead.email:
        return None
    now = timezone.now()
    enrollment = NurtureEnrollment.objects.create(lead=lead, sequence=sequence, token=secrets.token_urlsafe(16)[:22],
                                                  started_at=now)
    _schedule_next(enrollment, now)
    return enrollment


def _schedule_next(enrollment: NurtureEnrollment, after) -> None:
    step = enrollment.sequence.steps.filter(position__gt=_sent_position(enrollment)).order_by("position").first()
    if step is None:
        enrollment.status, enrollment.ended_at = NurtureStatus.FINISHED, timezone.now()
        enrollment.save(update_fields=["status", "ended_at"])
        return
    timer_start(kind=TIMER_KIND, key=f"nurture:{enrollment.pk}:{step.position}", entity="lead",
                entity_id=enrollment.lead_id, due_at=after + timedelta(days=step.delay_days),
                payload={"enrollment": enrollment.pk, "position": step.position})


def _sent_position(enrollment: NurtureEnrollment) -> int:
    positions = list(enrollment.sequence.steps.order_by("position").values_list("position", flat=True))
    return positions[enrollment.steps_sent - 1] if enrollment.steps_sent else -1


def enrollment_exit(*, lead: Lead, reason: str) -> int:
    active = list(NurtureEnrollment.objects.filter(lead=lead, status=NurtureStatus.ACTIVE))
    for enrollment in active:
        enrollment.status, enrollment.exit_reason = NurtureStatus.EXITED, reason[:200]
        enrollment.ended_at = timezone.now()
        enrollment.save(update_fields=["status", "exit_reason", "ended_at"])
        timer_cancel(key_prefix=f"nurture:{enrollment.pk}:")
    return len(active)


def tracked_link(enrollment: NurtureEnrollment, position: int) -> str:
    from shangji.notify.channels.base import absolute_link

    return absolute_link(reverse("public_leads:nurture_click", args=[enrollment.token, position]))


@transaction.atomic
def nurture_step_send(timer) -> None:
    """Timer handler: send one step (idempotent per enrollment and step), then schedule the next."""
    from shangji.notify.channels import email as email_channel
    from shangji.notify.models import Delivery, DeliveryChannel
    from shangji.notify.services import _enqueue_on_commit, webhook_send

    enrollment = (NurtureEnrollment.objects.select_for_update(of=("self",))
                  .select_related("lead", "sequence", "sequence__webhook")
                  .filter(pk=timer.payload.get("enrollment"), status=NurtureStatus.ACTIVE).first())
    if enrollment is None or not enrollment.lead.is_open:
        return
    step = enrollment.sequence.steps.filter(position=timer.payload.get("position")).first()
    if step is None:  # deleted after it was scheduled: go on with the step after it
        _schedule_next(enrollment, timezone.now())
        return
    lead, sequence, key = enrollment.lead, enrollment.sequence, f"nurture-{enrollment.pk}-{step.position}"
    link = tracked_link(enrollment, step.position) if step.content_url else ""
    if sequence.channel == NurtureChannel.WEBHOOK and sequence.webhook_id:
        webhook_send(subscription=sequence.webhook, event_name="lead.nurture_step", idempotency_key=key, data={
            "lead": {"id": lead.pk, "name": lead.name, "email": lead.email, "phone": lead.phone},
            "sequence": sequence.name, "step": step.position, "subject": step.subject, "body": step.body,
            "link": link})
    elif sequence.channel == NurtureChannel.EMAIL and lead.email and email_channel.is_configured():
        if not Delivery.objects.filter(idempotency_key=key).exists():
            now = timezone.now()
            delivery = Delivery.objects.create(
                channel=DeliveryChannel.EMAIL, target=lead.email, idempotency_key=key, next_attempt_at=now,
                created_at=now, payload=email_channel.build_payload(to=lead.email, title=step.subject, body=step.body,
                                                                    link=link))
            _enqueue_on_commit([delivery.pk])
    enrollment.steps_sent += 1
    enrollment.save(update_fields=["steps_sent"])
    _schedule_next(enrollment, timezone.now())


@transaction.atomic
def nurture_click(*, token: str, position: int) -> str | None:
    """The lead opened a step's content: engagement. Returns the content URL to redirect to."""
    from shangji.leads.services import lead_rescore

    enrollment = NurtureEnrollment.objects.select_related("lead").filter(token=token).first()
    if enrollment is None:
        return None
    step = enrollment.sequence.steps.filter(position=position).first()
    if step is None or not step.content_url:
        return None
    lead = Lead.objects.select_for_update().get(pk=enrollment.lead_id)
    Lead.objects.filter(pk=lead.pk).update(downloads=lead.downloads + 1, last_progress_at=timezone.now())
    lead.refresh_from_db()
    enrollment_exit(lead=lead, reason=_("点击了“%(subject)s”") % {"subject": step.subject})
    if lead.is_open:
        lead_rescore(lead=lead)
    return step.content_url


register_timer_handler(TIMER_KIND, nurture_step_send)
