from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "shangji.leads"
    verbose_name = _("线索")

    def ready(self) -> None:
        from shangji.leads import conf, handlers  # noqa: F401  registers settings, timer and event handlers
