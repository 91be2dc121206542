from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "shangji.automation"
    verbose_name = _("自动化")

    def ready(self) -> None:
        from shangji.automation import conf  # noqa: F401  registers settings
        from shangji.automation.engine import TIMER_KIND, handle_event, handle_timer
        from shangji.core.events import register_handler
        from shangji.core.timers import register_timer_handler

        register_handler(handle_event)
        register_timer_handler(TIMER_KIND, handle_timer)
