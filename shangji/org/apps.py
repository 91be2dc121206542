from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "shangji.org"
    verbose_name = "组织与权限"
