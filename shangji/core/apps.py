from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shangji.core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from shangji.core import conf  # noqa: F401  registers settings
