"""Django admin for the pipeline's configuration vocabularies (stages, lost reasons, products).

Business records (opportunities, stage changes) are not editable here: their writes go through
services so history and audit rows are never skipped.
"""

from django.contrib import admin

from shangji.pipeline.models import LostReason, Product, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "sequence", "probability", "is_won", "is_lost", "is_active"]
    list_editable = ["sequence", "probability", "is_active"]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_editable = ["is_active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "product_line", "list_price", "is_active"]
    list_filter = ["product_line", "is_active"]
    search_fields = ["sku", "name"]
