from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.core.models import TimeStampedModel

from .contracts import PRODUCT_TYPE_LABELS, ProductType


class Product(TimeStampedModel):
    """Something a customer can order. Options (`parent_types` set) attach to a contract or cart line of those
    types; SIM products carry their included volumes, top-ups the volume they add."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(
        _("type"), max_length=24, choices=[(t.value, label) for t, label in PRODUCT_TYPE_LABELS.items()]
    )
    description = models.TextField(_("description"), blank=True)
    form_factor = models.CharField(_("SIM form factor"), max_length=12, blank=True)
    package_size = models.PositiveIntegerField(_("package size"), default=1)
    one_time_net = models.DecimalField(_("one-time charge (net)"), max_digits=12, decimal_places=2, default=Decimal(0))
    recurring_net = models.DecimalField(_("monthly charge (net)"), max_digits=12, decimal_places=2, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal(19))
    min_quantity = models.PositiveIntegerField(_("minimum quantity per order"), default=1)
    max_quantity = models.PositiveIntegerField(_("maximum quantity per order"), null=True, blank=True)
    max_quantity_per_customer = models.PositiveIntegerField(_("maximum quantity per customer"), null=True, blank=True)
    min_term_months = models.PositiveIntegerField(_("minimum contract term (months)"), default=0)
    data_bytes = models.PositiveBigIntegerField(_("data volume (bytes)"), default=0)
    sms = models.PositiveIntegerField(_("SMS volume"), default=0)
    parent_types = models.JSONField(_("attaches to product types"), default=list, blank=True)
    active = models.BooleanField(_("orderable"), default=True)
    position = models.IntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="product_min_quantity_positive"),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(max_quantity__gte=models.F("min_quantity")),
                name="product_max_quantity_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def product_type(self) -> ProductType:
        return ProductType(self.type)


class ResellerPrice(TimeStampedModel):
    """A reseller's own price for a product; its customers (and sub-resellers without one) pay it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reseller_prices")
    organisation_id = models.BigIntegerField(_("reseller"))
    one_time_net = models.DecimalField(_("one-time charge (net)"), max_digits=12, decimal_places=2)
    recurring_net = models.DecimalField(_("monthly charge (net)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("reseller price")
        verbose_name_plural = _("reseller prices")
        constraints = [models.UniqueConstraint(fields=["product", "organisation_id"], name="one_price_per_reseller")]


class Device(TimeStampedModel):
    """A device in stock, by serial number, until an order hands it to a customer."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="devices")
    serial_number = models.CharField(_("serial number"), max_length=64, unique=True)
    organisation_id = models.BigIntegerField(_("customer"), null=True, blank=True)  # None: in stock
    order_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["serial_number"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["product", "organisation_id"])]

    def __str__(self) -> str:
        return self.serial_number
