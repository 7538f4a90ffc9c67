"""The administrator's back office. Role-restricted work goes through our own screens."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
    SignInFailure,
    SignInLock,
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


class _ReadOnly(admin.ModelAdmin):
    """Records nobody edits here: the audit trail, sign-in locks (lifted by an action, never edited)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    """Read-only: nobody edits or deletes the trail, not even the administrator."""

    list_display = ["created_at", "action", "actor", "bloc_year", "object_repr"]
    list_filter = ["action"]
    list_select_related = ["actor", "bloc_year__bloc"]
    search_fields = ["action", "object_repr"]


@admin.register(SignInLock)
class SignInLockAdmin(_ReadOnly):
    """Every pause of sign-ins; the administrator lifts one with the action (audited, blocs/signin.py)."""

    list_display = ["created_at", "kind", "username", "ip", "failures", "until", "is_active", "lifted_at",
                    "lifted_by"]
    list_filter = ["kind"]
    search_fields = ["username", "ip"]
    list_select_related = ["lifted_by"]
    actions = ["lift"]

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, lock: SignInLock) -> bool:
        return lock.lifted_at is None and lock.until > timezone.now()

    @admin.action(description=_("Lift the selected locks"))
    def lift(self, request: HttpRequest, queryset: QuerySet[SignInLock]) -> None:
        from blocs.signin import signin_lock_lift

        lifted = [signin_lock_lift(actor=request.user, lock=lock) for lock in queryset]
        count = sum(1 for lock in lifted if lock.lifted_by_id == request.user.pk)
        self.message_user(request, ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", count)
                          % {"count": count}, messages.SUCCESS)


@admin.register(SignInFailure)
class SignInFailureAdmin(_ReadOnly):
    list_display = ["at", "username", "ip"]
    search_fields = ["username", "ip"]
