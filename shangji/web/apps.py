from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shangji.web"
    verbose_name = "页面"
