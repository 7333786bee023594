from django.contrib import admin

from switchboard.core.admin import ReadOnlyAdmin

from .models import AuditEntry, DataStream, Delivery, OutboxEvent


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


@admin.register(DataStream)
class DataStreamAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation_id", "kind", "target", "state", "remote_status", "consecutive_failures")
    list_filter = ("kind", "target", "state")
    search_fields = ("name", "url", "mqtt_host")
    exclude = ("signing_secret", "previous_secret", "mqtt_password", "lease_token")
