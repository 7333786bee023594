"""SIMs, their quotas, usage, events and connectivity state; organisation-wide limits; the SIM inventory."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.core.models import TimeStampedModel

from .contracts import MB, ConnectivityStatus, FormFactor, QuotaStatus, Service, SimStatus

QUOTA_CHOICES = [(s.value, s.description) for s in QuotaStatus]


class SimPlan(TimeStampedModel):
    """What a SIM comes with: lifetime and included volumes (the SIM products of the catalog point here)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    lifetime_months = models.PositiveIntegerField(_("lifetime in months"), default=120)
    data_bytes = models.PositiveBigIntegerField(_("included data (bytes)"), default=500 * MB)
    sms = models.PositiveIntegerField(_("included SMS"), default=250)
    is_default = models.BooleanField(_("default plan"), default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="simplan_one_default")
        ]

    def __str__(self) -> str:
        return self.name


class Sim(TimeStampedModel):
    organisation_id = models.BigIntegerField(db_index=False)  # owner; the operator's organisation holds the stock
    plan = models.ForeignKey(SimPlan, on_delete=models.PROTECT, related_name="+")
    iccid = models.CharField(max_length=19, unique=True)
    iccid_with_luhn = models.CharField(max_length=20, unique=True)
    imsi = models.CharField(max_length=15, unique=True)
    imsi_2 = models.CharField(max_length=15, null=True, blank=True, unique=True)
    msisdn = models.CharField(max_length=15, null=True, blank=True, unique=True)
    imei = models.CharField(max_length=15, blank=True)
    imei_lock = models.BooleanField(default=False)
    label = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=8, choices=[(s.value, s.value) for s in SimStatus], default=SimStatus.DISABLED)
    form_factor = models.CharField(max_length=12, choices=[(f.value, f.value) for f in FormFactor])
    activation_date = models.DateTimeField(null=True, blank=True)
    lifetime_end = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True, unique=True)

    data_total = models.PositiveBigIntegerField(default=0)
    data_remaining = models.PositiveBigIntegerField(default=0)
    data_last_added = models.PositiveBigIntegerField(default=0)
    data_status = models.PositiveSmallIntegerField(choices=QUOTA_CHOICES, default=QuotaStatus.AVAILABLE)
    data_status_changed_at = models.DateTimeField(null=True, blank=True)
    data_threshold_at = models.DateTimeField(null=True, blank=True)
    data_exhausted_at = models.DateTimeField(null=True, blank=True)
    sms_total = models.PositiveIntegerField(default=0)
    sms_remaining = models.PositiveIntegerField(default=0)
    sms_last_added = models.PositiveIntegerField(default=0)
    sms_status = models.PositiveSmallIntegerField(choices=QUOTA_CHOICES, default=QuotaStatus.AVAILABLE)
    sms_status_changed_at = models.DateTimeField(null=True, blank=True)
    sms_threshold_at = models.DateTimeField(null=True, blank=True)
    sms_exhausted_at = models.DateTimeField(null=True, blank=True)

    # This month's use, for the organisation's monthly limits; stale when usage_month is not the current month.
    usage_month = models.DateField(null=True, blank=True)
    month_data = models.PositiveBigIntegerField(default=0)
    month_sms_mo = models.PositiveIntegerField(default=0)
    month_sms_mt = models.PositiveIntegerField(default=0)

    # The open data session's use not yet in a usage record (data streams), and since when: the session's start or
    # its last record. Kept on this row, not on SimConnectivity, because every counted report rewrites this row
    # anyway, while the connectivity row is spared most interim updates.
    record_rx = models.PositiveBigIntegerField(default=0)
    record_tx = models.PositiveBigIntegerField(default=0)
    record_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["iccid"]
        indexes = [
            models.Index(fields=["organisation_id", "iccid"], name="sim_org_iccid"),
            models.Index(fields=["organisation_id", "data_status", "sms_status"], name="sim_org_groups"),
            models.Index(fields=["organisation_id", "imei"], name="sim_org_imei"),
            models.Index(fields=["organisation_id", "label"], name="sim_org_label"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(data_remaining__lte=models.F("data_total")), name="sim_data_le_total"),
            models.CheckConstraint(condition=Q(sms_remaining__lte=models.F("sms_total")), name="sim_sms_le_total"),
        ]

    def __str__(self) -> str:
        return self.iccid


class IpPool(models.Model):
    """A network of the operator's address space held by one organisation; its SIMs' static addresses come from it.
    Kept for good: a SIM keeps its address for life, so a pool never moves to another organisation."""

    organisation_id = models.BigIntegerField(db_index=True)
    network = models.CharField(max_length=18, unique=True)  # CIDR, e.g. 10.64.3.0/24
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.network


class SimConnectivity(models.Model):
    """Live network state, kept apart from the SIM row because accounting rewrites it all the time."""

    sim = models.OneToOneField(Sim, primary_key=True, on_delete=models.CASCADE, related_name="connectivity")
    status = models.CharField(
        max_length=8, choices=[(s.value, s.value) for s in ConnectivityStatus], default=ConnectivityStatus.OFFLINE
    )
    operator = models.CharField(max_length=100, blank=True)
    mcc = models.CharField(max_length=3, blank=True)
    mnc = models.CharField(max_length=3, blank=True)
    country = models.CharField(max_length=2, blank=True)
    rat = models.CharField(max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    apn = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)
    nas = models.CharField(max_length=64, blank=True)
    location = models.JSONField(default=dict, blank=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="simconn_status")]

    def __str__(self) -> str:
        return f"{self.sim_id}: {self.status}"


class SimEvent(models.Model):
    sim = models.ForeignKey(Sim, on_delete=models.CASCADE, related_name="events")
    organisation_id = models.BigIntegerField()  # owner when it happened
    type = models.PositiveSmallIntegerField()
    timestamp = models.DateTimeField()
    alert = models.BooleanField(default=False)
    description = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["sim", "-timestamp", "-id"], name="simevent_sim_time"),
            models.Index(fields=["timestamp"], name="simevent_time"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.description}"


class DailyUsage(models.Model):
    sim = models.ForeignKey(Sim, on_delete=models.CASCADE, related_name="daily_usage")
    date = models.DateField()
    organisation_id = models.BigIntegerField()
    data_rx = models.PositiveBigIntegerField(default=0)
    data_tx = models.PositiveBigIntegerField(default=0)
    sms_mo = models.PositiveIntegerField(default=0)
    sms_mt = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["sim", "date"], name="dailyusage_sim_date")]
        indexes = [models.Index(fields=["date"], name="dailyusage_date")]

    def __str__(self) -> str:
        return f"{self.sim_id} {self.date}"


class MonthlyUsage(models.Model):
    """Totals per organisation and month, kept up to date with every usage record (the dashboard reads these)."""

    organisation_id = models.BigIntegerField()
    month = models.DateField()  # the first day of the month
    data_rx = models.PositiveBigIntegerField(default=0)
    data_tx = models.PositiveBigIntegerField(default=0)
    sms_mo = models.PositiveIntegerField(default=0)
    sms_mt = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["organisation_id", "month"], name="monthlyusage_org_month")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"


class LimitStep(TimeStampedModel):
    """A monthly limit customers may choose, defined by the operator (e.g. data 50 MB, SMS 10)."""

    service = models.CharField(max_length=5, choices=[(s.value, s.label) for s in Service])
    amount = models.PositiveBigIntegerField(help_text=_("Bytes for data, messages for SMS."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["service", "amount"]
        constraints = [models.UniqueConstraint(fields=["service", "amount"], name="limitstep_service_amount")]

    def __str__(self) -> str:
        unit = Service(self.service)
        shown = self.amount // MB if unit is Service.DATA else self.amount
        return f"{unit.label}: {shown} {unit.unit}"


class OrganisationLimits(TimeStampedModel):
    organisation_id = models.BigIntegerField(unique=True)
    data = models.ForeignKey(LimitStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sms_mo = models.ForeignKey(LimitStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sms_mt = models.ForeignKey(LimitStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Limits of {self.organisation_id}"


class SimImport(TimeStampedModel):
    """One upload of the SIM vendor's CSV into the operator's stock, processed in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organisation_id = models.BigIntegerField()
    created_by = models.CharField(max_length=200)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    plan = models.ForeignKey(SimPlan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_bytes = models.PositiveBigIntegerField(default=0)
    processed_bytes = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # the first REJECTED_KEPT rows with their reasons
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class VolumeNotification(TimeStampedModel):
    """Which volume conditions of its SIMs an organisation hears of by e-mail, and who does: user ids of its members,
    checked when saved and again when mailing (a member may have left since)."""

    organisation_id = models.BigIntegerField(unique=True)
    conditions = models.JSONField(default=list, blank=True)  # VolumeCondition values
    user_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Volume notifications of {self.organisation_id}"
