from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TodosConfig(AppConfig):
    name = "shangji.todos"
    verbose_name = _("待办")

    def ready(self) -> None:
        from shangji.todos import conf  # noqa: F401  registers settings
