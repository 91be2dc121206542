"""Django admin for the org tree and users (administrators only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from shangji.org.models import OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "path"]
    list_filter = ["kind"]
    readonly_fields = ["path", "parent", "kind"]  # moving units is a service job (paths of the subtree)

    def has_add_permission(self, request):
        return False  # units are created by org_unit_create (it maintains the path); see `shangji seed`


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "role", "org_unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("商机", {"fields": ["name", "role", "org_unit", "phone"]})]
