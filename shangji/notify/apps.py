from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "shangji.notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        from shangji.core.events import register_handler
        from shangji.notify import conf  # noqa: F401  registers settings
        from shangji.notify.services import webhooks_for_event

        register_handler(webhooks_for_event)
