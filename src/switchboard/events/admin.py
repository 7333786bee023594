from django.contrib import admin

from .models import AuditEntry, Delivery, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Outbox and audit internals span all tenants, so only superusers see them here."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organisation_id", "actor_label", "action", "object_repr")
    list_filter = ("action", "actor_kind")
    search_fields = ("actor_label", "object_repr")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ("handler", "status", "attempts", "next_attempt_at", "last_error", "delivered_at")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "organisation_id", "id")
    list_filter = ("type",)
    inlines = [DeliveryInline]
