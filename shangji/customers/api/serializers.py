from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shangji.core.customfields.api import CustomValuesField
from shangji.customers.models import Contact, Customer, Interaction


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", required=False,
                                     help_text=_("负责人用户ID；默认为当前用户。"))
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    industry_name = serializers.CharField(source="industry.name", default=None, read_only=True)
    city_name = serializers.CharField(source="city.name", default=None, read_only=True)
    region = serializers.IntegerField(source="city.parent_id", default=None, read_only=True)
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=120, required=False, allow_blank=True)
    duplicate_override_reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                                      write_only=True,
                                                      help_text=_("与已有客户强匹配时必须填写的重复创建理由。"))
    custom = CustomValuesField(entity="customer")

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "credit_code", "industry", "industry_name", "scale", "grade", "city",
                  "city_name", "region", "address", "latitude", "longitude", "phone", "email", "owner", "owner_name",
                  "merged_into", "created_at", "updated_at", "duplicate_override_reason", "custom"]
        read_only_fields = ["code", "merged_into", "created_at", "updated_at"]
        extra_kwargs = {"name": {"max_length": 200}}
        validators: list = []  # uniqueness (credit code) is decided by the service, with a sentence naming the owner


class MatchQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class MatchCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(help_text=_("0–1，越大越可能是同一客户"))
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text=_("命中的匹配键：credit_code、name_exact、name_similar、phone、email"))
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField()
    can_open = serializers.BooleanField(help_text=_("当前用户能否打开该客户详情"))
    interaction_count = serializers.IntegerField()
    last_interaction_at = serializers.DateTimeField(allow_null=True)


class MergeSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text=_("被合并（将被并入本客户）的客户ID"))
    reason = serializers.CharField(max_length=500)


class ContactSerializer(serializers.ModelSerializer):
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=120, required=False, allow_blank=True)
    custom = CustomValuesField(entity="contact")

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "mobile", "email", "wechat", "decision_role", "attitude",
                  "is_primary", "created_at", "custom"]
        read_only_fields = ["created_at"]


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = ["id", "customer", "contact", "kind", "occurred_at", "summary", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"summary": {"max_length": 5000}, "occurred_at": {"required": False}}
