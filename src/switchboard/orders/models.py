from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.core.models import TimeStampedModel

from .contracts import (
    ORDER_STATUS_LABELS,
    ORDER_TYPE_LABELS,
    ContractStatus,
    DocumentKind,
    OrderStatus,
    PaymentMethod,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class NumberSequence(models.Model):
    """Counters for order, contract and invoice numbers. Taken under a row lock in the transaction that uses the
    number, so a rolled-back order leaves no gap."""

    name = models.CharField(max_length=30, unique=True)
    last = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"


class Contract(TimeStampedModel):
    """A running telephony or ISP product (Aktiver Vertrag): what options attach to and what "reorder" copies."""

    number = models.CharField(_("contract number"), max_length=20, unique=True)
    organisation_id = models.BigIntegerField(db_index=True)
    reseller_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # as on its order
    product_id = models.BigIntegerField()
    product_name = models.CharField(max_length=200)
    product_type = models.CharField(max_length=24)
    quantity = models.PositiveIntegerField()
    started_on = models.DateField()
    min_term_months = models.PositiveIntegerField()
    ends_on = models.DateField(null=True, blank=True)  # end of the minimum term
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="options")
    order_line = models.OneToOneField("OrderLine", on_delete=models.PROTECT, related_name="contract")
    one_time_net = models.DecimalField(**MONEY)
    recurring_net = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, default=ContractStatus.ACTIVE)

    class Meta:
        ordering = ["-started_on", "-id"]


class Order(TimeStampedModel):
    number = models.BigIntegerField(_("order number"), unique=True)
    organisation_id = models.BigIntegerField(db_index=True)
    reseller_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    placed_by_id = models.BigIntegerField(null=True, blank=True)  # the user, if a person placed it
    placed_by = models.CharField(max_length=200)  # who, as shown: a person or an API client
    order_type = models.CharField(max_length=20, choices=[(t.value, label) for t, label in ORDER_TYPE_LABELS.items()])
    status = models.CharField(
        max_length=20,
        choices=[(s.value, label) for s, label in ORDER_STATUS_LABELS.items()],
        default=OrderStatus.IN_PREPARATION,
    )
    payment_method = models.CharField(max_length=20, default=PaymentMethod.BANKTRANSFER)
    customer_reference = models.CharField(max_length=100, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)  # a copy: later edits of the address book
    billing_address = models.JSONField(default=dict, blank=True)  # do not change what was ordered
    currency = models.CharField(max_length=3, default="EUR")
    total_net = models.DecimalField(**MONEY, default=Decimal(0))
    total_vat = models.DecimalField(**MONEY, default=Decimal(0))
    total_gross = models.DecimalField(**MONEY, default=Decimal(0))
    idempotency_key = models.CharField(max_length=100, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotency_key_once",
            )
        ]

    def __str__(self) -> str:
        return str(self.number)

    @property
    def order_status(self) -> OrderStatus:
        return OrderStatus(self.status)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    product_id = models.BigIntegerField()
    product_name = models.CharField(max_length=200)
    product_type = models.CharField(max_length=24)
    quantity = models.PositiveIntegerField()
    one_time_net = models.DecimalField(**MONEY)  # per unit, as priced for this customer when ordered
    recurring_net = models.DecimalField(**MONEY)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    term_months = models.PositiveIntegerField(default=0)
    parent_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="options")
    parent_contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What the product was when ordered, for fulfilment: the operator may change it before shipping.
    form_factor = models.CharField(max_length=12, blank=True)
    package_size = models.PositiveIntegerField(default=1)
    data_bytes = models.PositiveBigIntegerField(default=0)  # included (SIM card) or added (top-up)
    sms = models.PositiveIntegerField(default=0)
    sim_ids = models.JSONField(default=list, blank=True)  # top-ups and extensions: the SIMs they are for
    serial_numbers = models.JSONField(default=list, blank=True)  # devices handed out

    class Meta:
        ordering = ["order", "position"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class OrderSim(models.Model):
    """A SIM the order delivered, topped up or extended: the order's affected-SIMs list."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sims")
    sim_id = models.BigIntegerField()
    iccid = models.CharField(max_length=19)
    label = models.CharField(max_length=100, blank=True)
    imsi = models.CharField(max_length=15, blank=True)
    msisdn = models.CharField(max_length=15, blank=True)

    class Meta:
        ordering = ["order", "iccid"]
        constraints = [models.UniqueConstraint(fields=["order", "sim_id"], name="order_sim_once")]

    def __str__(self) -> str:
        return self.iccid


class Document(TimeStampedModel):
    """An invoice, or a correction attached to the order later; the stored PDF is never regenerated."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=12, default=DocumentKind.INVOICE)
    number = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    net = models.DecimalField(**MONEY)
    vat = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)
    reason = models.TextField(blank=True)
    pdf = models.BinaryField()

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind=DocumentKind.INVOICE), name="one_invoice_per_order"
            )
        ]


class Cart(TimeStampedModel):
    organisation_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True, blank=True)  # None: an API client's cart
    api_client_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [  # one of the two ids is always NULL, so each gets its own constraint
            models.UniqueConstraint(
                fields=["organisation_id", "user_id"], condition=Q(user_id__isnull=False), name="one_cart_per_user"
            ),
            models.UniqueConstraint(
                fields=["organisation_id", "api_client_id"],
                condition=Q(api_client_id__isnull=False),
                name="one_cart_per_api_client",
            ),
        ]


class CartLine(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    term_months = models.PositiveIntegerField(null=True, blank=True)  # None: the product's minimum
    parent_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="options")
    parent_contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    one_time_net = models.DecimalField(**MONEY, null=True, blank=True)  # a reorder keeps the contract's price
    recurring_net = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        ordering = ["cart", "id"]


class AutoTopUp(TimeStampedModel):
    """Auto top-up switched on for one SIM, or (sim_id None) for every SIM of the organisation."""

    organisation_id = models.BigIntegerField()
    sim_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation_id", "sim_id"], name="auto_topup_once_per_sim"),
            models.UniqueConstraint(
                fields=["organisation_id"], condition=Q(sim_id=None), name="auto_topup_once_per_organisation"
            ),
        ]


class AutoTopUpRun(models.Model):
    """One auto top-up per SIM, service and quota cycle: the claim that makes it fire exactly once."""

    sim_id = models.BigIntegerField()
    service = models.CharField(max_length=4)  # data or sms
    cycle = models.BigIntegerField()  # when the quota fell under 20 % (microseconds): one claim per crossing
    order = models.ForeignKey(Order, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sim_id", "service", "cycle"], name="auto_topup_run_once")]

    def __str__(self) -> str:
        return f"{self.sim_id} {self.service} {self.cycle}"
