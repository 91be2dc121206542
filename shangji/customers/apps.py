from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "shangji.customers"
    verbose_name = _("客户")

    def ready(self) -> None:
        from shangji.customers import conf  # noqa: F401  registers settings
