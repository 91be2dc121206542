from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "shangji.pipeline"
    verbose_name = _("商机")

    def ready(self) -> None:
        from shangji.pipeline import conf  # noqa: F401  registers settings
