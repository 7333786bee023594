"""Operator-wide settings (SIM plans, limit steps) for the installation's superusers; SIMs are read-only here,
because every change of a SIM goes through the services that record its events."""

from django.contrib import admin

from switchboard.core.admin import ReadOnlyAdmin, SuperuserAdmin

from .models import LimitStep, Sim, SimPlan


@admin.register(SimPlan)
class SimPlanAdmin(SuperuserAdmin):
    list_display = ("name", "lifetime_months", "data_bytes", "sms", "is_default")


@admin.register(LimitStep)
class LimitStepAdmin(SuperuserAdmin):
    list_display = ("__str__", "service", "amount", "active")
    list_filter = ("service", "active")


@admin.register(Sim)
class SimAdmin(ReadOnlyAdmin):
    list_display = ("iccid", "imsi", "msisdn", "label", "status", "organisation_id", "data_remaining", "lifetime_end")
    list_filter = ("status", "data_status", "sms_status", "form_factor")
    search_fields = ("=iccid", "=iccid_with_luhn", "=imsi", "=msisdn", "label")
    show_full_result_count = False  # a million SIMs: no COUNT(*) per page
