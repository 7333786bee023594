"""Admin for the operator's staff: every list is limited to the organisations below the staff member's own."""

from django.contrib import admin

from .models import Address, ApiClient, Membership, Organisation, User
from .selectors import subtree_ids


class OrganisationScopedAdmin(admin.ModelAdmin):
    organisation_path = "organisation"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organisation_path}__in": subtree_ids(user=request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Staff can attach things only to organisations they can see."""
        if db_field.related_model is Organisation and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(id__in=subtree_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "id"
    list_display = ("company_name", "customer_number", "kind", "parent", "invoice_email", "created_at")
    list_filter = ("kind",)
    search_fields = ("company_name", "customer_number", "invoice_email")
    readonly_fields = ("customer_number",)


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    list_display = ("user", "organisation", "role", "is_original_owner")
    list_filter = ("role",)
    search_fields = ("user__email", "organisation__company_name")


@admin.register(User)
class UserAdmin(OrganisationScopedAdmin):
    organisation_path = "memberships__organisation"
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    exclude = ("password", "groups", "user_permissions")
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "is_staff", "is_superuser")  # staff cannot promote anyone

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()


@admin.register(Address)
class AddressAdmin(OrganisationScopedAdmin):
    list_display = ("organisation", "kind", "name", "city", "country")
    list_filter = ("kind", "country")


if admin.site.is_registered(ApiClient):
    admin.site.unregister(ApiClient)  # DOT registers its (swapped) Application admin, which shows raw secrets


@admin.register(ApiClient)
class ApiClientAdmin(OrganisationScopedAdmin):
    list_display = ("client_id", "organisation", "created", "revoked_at")
    fields = ("client_id", "organisation", "name", "created", "revoked_at")
    readonly_fields = ("client_id", "organisation", "created")
    search_fields = ("client_id",)

    def has_add_permission(self, request):
        return False  # created through the portal or API, which shows the secret once
