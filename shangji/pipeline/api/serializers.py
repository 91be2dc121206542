from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shangji.pipeline.models import LostReason, Opportunity, OpportunityLine, Stage, StageChange


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

    class Meta:
        model = Opportunity
        fields = ["id", "name", "customer", "customer_name", "owner", "owner_name", "stage", "stage_name", "amount",
                  "currency", "expected_close_date", "lost_reason", "lost_note", "description", "region",
                  "stage_entered_at", "days_in_stage", "closed_at", "lines", "version", "note", "created_at",
                  "updated_at"]
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
