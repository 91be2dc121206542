from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shangji.core"
    verbose_name = "核心"
