from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "shangji.visits"
    verbose_name = _("拜访")

    def ready(self) -> None:
        from shangji.core.timers import register_timer_handler
        from shangji.visits import conf  # noqa: F401  registers the settings
        from shangji.visits.services import FOLLOW_UP_TIMER, follow_up_remind

        register_timer_handler(FOLLOW_UP_TIMER, follow_up_remind)
