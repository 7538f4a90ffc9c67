"""The administrator's back office. Role-restricted work goes through our own screens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from blocs.models import (
    AuditEntry,
    Award,
    Bloc,
    BlocYear,
    Covenant,
    Membership,
    Province,
    Registration,
    RoleGrant,
    Unit,
    User,
)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    raw_id_fields = ["bloc", "unit", "bloc_year", "province"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Đơn vị", {"fields": ("unit", "job_title")}))
    list_display = ["username", "first_name", "last_name", "unit", "is_active", "is_superuser"]
    list_select_related = ["unit"]
    inlines = [RoleGrantInline]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_code", "kind", "province", "is_active"]
    list_filter = ["kind", "is_active", "province"]
    search_fields = ["name", "short_code"]
    raw_id_fields = ["renamed_from", "merged_into"]


@admin.register(Bloc)
class BlocAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "province", "founded_year"]
    search_fields = ["name", "code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(BlocYear)
class BlocYearAdmin(admin.ModelAdmin):
    list_display = ["bloc", "year", "status"]
    list_filter = ["status", "year"]
    list_select_related = ["bloc"]
    # Status moves only forward, through services with an audit entry.
    readonly_fields = ["status"]
    inlines = [MembershipInline]


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "kind", "level", "is_active"]
    list_display_links = ["name"]


@admin.register(Covenant)
class CovenantAdmin(admin.ModelAdmin):
    list_select_related = ["bloc_year__bloc"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["unit", "bloc_year", "submitted_at", "is_late"]
    list_select_related = ["unit", "bloc_year__bloc"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the trail, not even the administrator."""

    list_display = ["created_at", "action", "actor", "bloc_year", "object_repr"]
    list_filter = ["action"]
    list_select_related = ["actor", "bloc_year__bloc"]
    search_fields = ["action", "object_repr"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
