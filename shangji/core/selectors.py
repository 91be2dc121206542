"""Reads of infrastructure rows."""

from django.db.models import QuerySet

from shangji.core.models import AuditEntry


def audit_trail(*, entity: str, entity_id: int, limit: int = 20) -> QuerySet[AuditEntry]:
    """O3 history of one record. Callers pass a record they obtained through `visible_to(user)`."""
    return AuditEntry.objects.filter(entity=entity, entity_id=entity_id).select_related("actor")[:limit]
