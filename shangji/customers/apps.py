from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "shangji.customers"
    verbose_name = "客户"

    def ready(self) -> None:
        from shangji.customers import conf  # noqa: F401  registers settings
