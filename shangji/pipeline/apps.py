from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "shangji.pipeline"
    verbose_name = "商机"

    def ready(self) -> None:
        from shangji.pipeline import conf  # noqa: F401  registers settings
