"""Django admin for the pipeline's configuration vocabularies (stages, lost reasons, products, pipelines,
gates, deliverable kinds, questionnaires).

Business records (opportunities, stage changes, form submissions) are not editable here: their writes go
through services so history and audit rows are never skipped. The configuration pages under
/settings/pipelines/ are the everyday way to edit pipelines and gates (they audit each change).
"""

from django.contrib import admin

from shangji.pipeline.models import (
    DeliverableKind,
    FormTemplate,
    LostReason,
    Pipeline,
    PipelineStage,
    Product,
    Stage,
    StageGate,
)


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


class PipelineStageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0
    ordering = ["sequence"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "customer_scales", "max_amount", "is_default", "is_active"]
    inlines = [PipelineStageInline]


@admin.register(StageGate)
class StageGateAdmin(admin.ModelAdmin):
    list_display = ["label", "stage", "pipeline", "kind", "sequence", "is_active"]
    list_filter = ["stage", "pipeline", "kind", "is_active"]


@admin.register(DeliverableKind)
class DeliverableKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]


@admin.register(FormTemplate)
class FormTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
