"""Django admin for the customer master's configuration vocabulary (industries)."""

from django.contrib import admin

from shangji.customers.models import Industry


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "sequence"]
    list_editable = ["sequence"]
