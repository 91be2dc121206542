from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shangji.core.customfields.api import CustomValuesField
from shangji.pipeline.models import (
    FormSubmission,
    LostReason,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Stage,
    StageChange,
)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "name_en", "sequence", "probability", "is_won", "is_lost"]


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name"]


class LineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    subtotal = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = OpportunityLine
        fields = ["product", "sku", "product_name", "quantity", "unit_price", "subtotal"]


class OpportunitySerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", required=False, help_text=_("负责人用户ID；默认为当前用户。"))
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    days_in_stage = serializers.SerializerMethodField()
    lines = LineSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False,
                                       help_text=_("读取时的版本号；不一致时返回 409，避免覆盖他人的修改。"))
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, write_only=True,
                                 help_text=_("阶段变更备注"))
    custom = CustomValuesField(entity="opportunity")
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(is_active=True), required=False,
        help_text=_("销售流程ID；新建时默认按客户规模与金额自动选择。修改时当前阶段须在新流程中。"))
    pipeline_name = serializers.CharField(source="pipeline.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "name", "customer", "customer_name", "owner", "owner_name", "stage", "stage_name", "amount",
                  "currency", "expected_close_date", "lost_reason", "lost_note", "description", "region",
                  "stage_entered_at", "days_in_stage", "closed_at", "lines", "version", "note", "created_at",
                  "updated_at", "custom", "pipeline", "pipeline_name"]
        read_only_fields = ["currency", "region", "stage_entered_at", "closed_at", "created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": 5000}, "lost_note": {"max_length": 500},
                        "stage": {"required": False,
                                  "help_text": _("阶段ID；新建时默认为第一个阶段。PATCH 修改即推进阶段。")}}

    def get_days_in_stage(self, obj) -> int:
        from django.utils import timezone

        return (timezone.now() - obj.stage_entered_at).days


class StageChangeSerializer(serializers.ModelSerializer):
    from_stage_name = serializers.CharField(source="from_stage.name", default=None, read_only=True)
    to_stage_name = serializers.CharField(source="to_stage.name", read_only=True)
    changed_by_name = serializers.CharField(source="changed_by.display_name", read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "opportunity", "from_stage", "from_stage_name", "to_stage", "to_stage_name", "changed_at",
                  "changed_by", "changed_by_name", "seconds_in_from_stage", "is_regression", "is_skip", "note"]


class PipelineSerializer(serializers.ModelSerializer):
    """P3: a pipeline with its stages in its order."""

    stages = serializers.SerializerMethodField()

    class Meta:
        model = Pipeline
        fields = ["id", "name", "customer_scales", "max_amount", "priority", "is_default", "stages"]

    def get_stages(self, obj) -> list[dict]:
        from shangji.pipeline.pipelines import pipeline_stages

        return StageSerializer(pipeline_stages(obj), many=True).data


class GateEvidenceSerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField(allow_null=True)


class GateItemSerializer(serializers.Serializer):
    """P2: one item of the exit checklist of a move."""

    label = serializers.CharField()
    met = serializers.BooleanField()
    missing_sentence = serializers.CharField(help_text=_("未满足时说明缺什么，如“缺少：《客户需求清单》（需填写）”。"))
    evidence = GateEvidenceSerializer(many=True, help_text=_("已在档的证据。"))
    stage = serializers.CharField(help_text=_("该检查项所属（离开）的阶段。"))
    kind = serializers.CharField()
    action_url = serializers.CharField(allow_blank=True)


class GateChecklistSerializer(serializers.Serializer):
    to_stage = serializers.IntegerField()
    gated = serializers.BooleanField(help_text=_("该次变更是否需要检查（仅前进需要）。"))
    met = serializers.BooleanField(help_text=_("是否全部满足，可以推进。"))
    items = GateItemSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(required=False, allow_blank=True, help_text=_("交付物类型代码；为空表示普通文件。"))
    file = serializers.FileField(write_only=True)
    original_name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    uploaded_by = serializers.IntegerField(source="uploaded_by_id", read_only=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("api:opportunity-attachment-download", args=[obj.entity_id, obj.pk])


class FormSubmissionSerializer(serializers.ModelSerializer):
    template_name = serializers.CharField(source="template.name", read_only=True)
    submitted_by_name = serializers.CharField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = FormSubmission
        fields = ["id", "template", "template_name", "answers", "submitted_by", "submitted_by_name", "submitted_at"]
