from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "shangji.pipeline"
    verbose_name = _("商机")

    def ready(self) -> None:
        from shangji.pipeline import conf  # noqa: F401  registers settings

        _register_attachables()


def deliverable_kinds() -> dict[str, str]:
    """Active deliverable kind codes → names (P2): what a deal's files may be."""
    from shangji.pipeline.models import DeliverableKind

    return dict(DeliverableKind.objects.filter(is_active=True).values_list("code", "name"))


def _register_attachables() -> None:
    """Deals take files; so do activities recorded for a deal (a call with its recording summary)."""
    from django.db.models import Q

    from shangji.core.attachments import attachable_register
    from shangji.customers.models import Interaction
    from shangji.pipeline.models import Opportunity

    attachable_register("opportunity", visible=lambda user: Opportunity.objects.visible_to(user),
                        owner_id=lambda deal: deal.owner_id, kinds=deliverable_kinds)
    # An activity is seen with its customer, or with the deal it was recorded for.
    attachable_register("interaction", kinds=deliverable_kinds, owner_id=lambda activity: activity.created_by_id,
                        visible=lambda user: Interaction.objects.filter(
                            Q(pk__in=Interaction.objects.visible_to(user).values("pk"))
                            | Q(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))))
