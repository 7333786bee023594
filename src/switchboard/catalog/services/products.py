"""The operator's catalog management: products, resellers' own prices, devices in stock.

Products are withdrawn, never deleted: orders and contracts keep pointing at them. Every change is validated here,
so the API, the admin and the demo seeding refuse bad input the same way, and every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from switchboard.connectivity.contracts import FormFactor
from switchboard.core import validation as v
from switchboard.core.errors import Conflict, NotFound, ValidationFailed
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from ..contracts import ProductType
from ..models import Device, Product, ResellerPrice
from ._common import require_operator

# Options attach to a product of one of their parent types (a contract or a line in the same cart).
OPTION_TYPES = frozenset(
    {
        ProductType.VOICE_CHANNEL,
        ProductType.UMS_PACKAGE,
        ProductType.ADDON_LICENCE,
        ProductType.DATA_TOPUP,
        ProductType.SMS_TOPUP,
        ProductType.LIFETIME_EXTENSION,
    }
)
NO_LIMIT = 0  # as a maximum quantity in a change: remove the limit
MAX_AMOUNT = Decimal("9999999999.99")  # what the database's 12 digits with 2 decimals hold
MAX_TERM_MONTHS = 240
MAX_DESCRIPTION = 4000
MAX_SERIAL = 64
MAX_DEVICES_PER_CALL = 10_000


@dataclass(frozen=True)
class ProductChange:
    """Fields to set; None leaves a field as it is (on creation, the model's defaults apply).
    A maximum quantity of NO_LIMIT removes the limit."""

    code: str | None = None
    name: str | None = None
    type: str | None = None
    description: str | None = None
    form_factor: str | None = None
    package_size: int | None = None
    one_time_net: Decimal | str | int | None = None
    recurring_net: Decimal | str | int | None = None
    currency: str | None = None
    vat_rate: Decimal | str | int | None = None
    min_quantity: int | None = None
    max_quantity: int | None = None
    max_quantity_per_customer: int | None = None
    min_term_months: int | None = None
    data_bytes: int | None = None
    sms: int | None = None
    parent_types: list[str] | tuple[str, ...] | None = None
    active: bool | None = None
    position: int | None = None


def _amount(value: object, *, field: str, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A non-negative amount with at most two decimals; floats are taken by their shortest text form."""
    if isinstance(value, bool):
        value = None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(_("Enter an amount such as 10.00."), field=field, code="invalid_amount")
    if amount < 0:
        raise ValidationFailed(_("The amount cannot be negative."), field=field, code="negative")
    if amount > maximum:
        raise ValidationFailed(_("The amount cannot exceed %(max)s.") % {"max": maximum}, field=field, code="too_large")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Use at most two decimal places."), field=field, code="too_many_decimals")
    return amount.quantize(Decimal("0.01"))


def _whole(value: object, *, field: str, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("Enter a whole number."), field=field, code="invalid_number")
    if value < minimum:
        raise ValidationFailed(_("Enter at least %(n)s.") % {"n": minimum}, field=field, code="too_small")
    if maximum is not None and value > maximum:
        raise ValidationFailed(_("Enter at most %(n)s.") % {"n": maximum}, field=field, code="too_large")
    return value


def _limit(value: object, *, field: str) -> int | None:
    return None if value == NO_LIMIT and not isinstance(value, bool) else _whole(value, field=field, minimum=1)


def _code(value: object) -> str:
    code = v.text(value, field="code", max_length=60).lower()
    if not slug_re.match(code):
        raise ValidationFailed(
            _("Use letters, digits, hyphens and underscores only, e.g. sip-trunk-24."), field="code", code="invalid"
        )
    return code


def _description(value: object) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("At most %(n)d characters are allowed.") % {"n": MAX_DESCRIPTION}, field="description", code="too_long"
        )
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValidationFailed(_("Control characters are not allowed."), field="description", code="invalid")
    return text


def _currency(value: object) -> str:
    currency = str(value or "").strip().upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise ValidationFailed(
            _("Use the three-letter ISO currency code, e.g. EUR."), field="currency", code="invalid_currency"
        )
    return currency


def _form_factor(value: object) -> str:
    form = str(value or "").strip().upper()
    if form and form not in {f.value for f in FormFactor}:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(f.value for f in FormFactor)},
            field="form_factor",
            code="invalid_choice",
        )
    return form


def _parent_types(values: object) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationFailed(_("Give a list of product types."), field="parent_types", code="invalid")
    chosen: list[str] = []
    for value in values:
        name = v.choice(value, field="parent_types", allowed=[t.value for t in ProductType])
        if ProductType(name) in OPTION_TYPES:
            raise ValidationFailed(
                _("An option attaches to a product, not to another option (%(type)s).")
                % {"type": ProductType(name).label},
                field="parent_types",
                code="option_parent",
            )
        if name not in chosen:
            chosen.append(name)
    return chosen


def _apply(product: Product, change: ProductChange) -> None:
    if change.code is not None:
        product.code = _code(change.code)
    if change.name is not None:
        product.name = v.text(change.name, field="name", max_length=200)
    if change.type is not None:
        product.type = v.choice(change.type, field="type", allowed=[t.value for t in ProductType])
    if change.description is not None:
        product.description = _description(change.description)
    if change.form_factor is not None:
        product.form_factor = _form_factor(change.form_factor)
    if change.package_size is not None:
        product.package_size = _whole(change.package_size, field="package_size", minimum=1, maximum=100_000)
    for name in ("one_time_net", "recurring_net"):
        if getattr(change, name) is not None:
            setattr(product, name, _amount(getattr(change, name), field=name))
    if change.currency is not None:
        product.currency = _currency(change.currency)
    if change.vat_rate is not None:
        product.vat_rate = _amount(change.vat_rate, field="vat_rate", maximum=Decimal(100))
    if change.min_quantity is not None:
        product.min_quantity = _whole(change.min_quantity, field="min_quantity", minimum=1)
    for name in ("max_quantity", "max_quantity_per_customer"):
        if getattr(change, name) is not None:
            setattr(product, name, _limit(getattr(change, name), field=name))
    if change.min_term_months is not None:
        product.min_term_months = _whole(change.min_term_months, field="min_term_months", maximum=MAX_TERM_MONTHS)
    if change.data_bytes is not None:
        product.data_bytes = _whole(change.data_bytes, field="data_bytes", maximum=2**63 - 1)
    if change.sms is not None:
        product.sms = _whole(change.sms, field="sms", maximum=2**31 - 1)
    if change.parent_types is not None:
        product.parent_types = _parent_types(change.parent_types)
    if change.active is not None:
        product.active = bool(change.active)
    if change.position is not None:
        product.position = _whole(change.position, field="position", minimum=-(2**31), maximum=2**31 - 1)


def _check_whole(product: Product) -> None:
    """Rules between fields, checked on the result so that the order of the changes does not matter."""
    kind = ProductType(product.type)
    if kind == ProductType.SIM_CARD and not product.form_factor:
        raise ValidationFailed(_("A SIM card needs a form factor."), field="form_factor", code="required")
    if kind != ProductType.SIM_CARD and product.form_factor:
        raise ValidationFailed(_("Only SIM cards have a form factor."), field="form_factor", code="not_a_sim")
    if product.parent_types and kind not in OPTION_TYPES:
        raise ValidationFailed(
            _("A %(type)s is not an option; only options attach to other products.") % {"type": kind.label},
            field="parent_types",
            code="not_an_option",
        )
    if kind in OPTION_TYPES and not product.parent_types:
        raise ValidationFailed(
            _("Name the product types this option attaches to."), field="parent_types", code="required"
        )
    for name in ("max_quantity", "max_quantity_per_customer"):
        limit = getattr(product, name)
        if limit is not None and limit < product.min_quantity:
            raise ValidationFailed(
                _("The maximum cannot be below the minimum quantity per order (%(n)s).") % {"n": product.min_quantity},
                field=name,
                code="below_minimum",
            )
    if product.pk and kind != ProductType.DEVICE and product.devices.exists():
        raise ValidationFailed(
            _("This product has devices in the inventory; it stays a device."), field="type", code="has_devices"
        )


def _build(change: ProductChange, product: Product | None = None) -> Product:
    product = product if product is not None else Product()
    if product.pk is None:
        for name in ("code", "name", "type"):
            if getattr(change, name) in (None, ""):
                raise ValidationFailed(_("This field is required."), field=name, code="required")
    _apply(product, change)
    _check_whole(product)
    if Product.objects.exclude(pk=product.pk).filter(code=product.code).exists():
        raise Conflict(_("Another product already has this code."), field="code", code="duplicate")
    return product


def _save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(_("Another product already has this code."), field="code", code="duplicate") from None
    product.refresh_from_db()  # amounts as the database keeps them: 19 → 19.00


def _public(product: Product) -> dict:
    """The product as the audit log keeps it: JSON-safe, amounts as text."""
    return {
        "code": product.code,
        "name": product.name,
        "type": product.type,
        "form_factor": product.form_factor,
        "package_size": product.package_size,
        "one_time_net": str(product.one_time_net),
        "recurring_net": str(product.recurring_net),
        "currency": product.currency,
        "vat_rate": str(product.vat_rate),
        "min_quantity": product.min_quantity,
        "max_quantity": product.max_quantity,
        "max_quantity_per_customer": product.max_quantity_per_customer,
        "min_term_months": product.min_term_months,
        "data_bytes": product.data_bytes,
        "sms": product.sms,
        "parent_types": list(product.parent_types),
        "active": product.active,
        "position": product.position,
    }


def _audit(principal: Principal, action: str, product: Product, before: dict, after: dict) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type="product",
        object_id=product.pk,
        object_repr=f"{product.code}: {product.name}",
        before=before,
        after=after,
    )


def _locked(product_id: object) -> Product:
    try:
        pk = int(product_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        pk = None
    product = Product.objects.select_for_update().filter(pk=pk).first() if pk else None
    if product is None:
        raise NotFound(
            _("Product %(id)s not found.") % {"id": product_id}, field="product_id", code="product_not_found"
        )
    return product


def product_validate(*, principal: Principal, change: ProductChange, product_id: int | None = None) -> None:
    """Refuse a change as product_create/product_update would, without saving: for forms that save later."""
    require_operator(principal)
    current = Product.objects.filter(pk=product_id).first() if product_id is not None else None
    if product_id is not None and current is None:
        raise NotFound(
            _("Product %(id)s not found.") % {"id": product_id}, field="product_id", code="product_not_found"
        )
    _build(change, current)


@transaction.atomic
def product_create(*, principal: Principal, change: ProductChange) -> Product:
    require_operator(principal)
    product = _build(change)
    _save(product)
    _audit(principal, "product.created", product, {}, _public(product))
    return product


@transaction.atomic
def product_update(*, principal: Principal, product_id: int, change: ProductChange) -> Product:
    require_operator(principal)
    product = _locked(product_id)
    before = _public(product)
    _build(change, product)
    _save(product)
    after = _public(product)
    if after != before:
        _audit(principal, "product.updated", product, before, after)
    return product


@transaction.atomic
def product_withdraw(*, principal: Principal, product_id: int) -> Product:
    """No longer orderable; orders, contracts and the reseller prices keep it."""
    require_operator(principal)
    product = _locked(product_id)
    if product.active:
        product.active = False
        product.save(update_fields=["active", "updated_at"])
        _audit(principal, "product.withdrawn", product, {"active": True}, {"active": False})
    return product


def _reseller(reseller_id: object) -> int:
    try:
        pk = int(reseller_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        pk = 0
    ref = tenancy.organisation_ref(organisation_id=pk) if pk > 0 else None
    if ref is None:
        raise NotFound(
            _("Organisation %(id)s not found.") % {"id": reseller_id},
            field="reseller_id",
            code="organisation_not_found",
        )
    if ref.kind != OrganisationKind.RESELLER:
        raise ValidationFailed(
            _("%(name)s is not a reseller; only resellers have their own prices.") % {"name": ref.company_name},
            field="reseller_id",
            code="not_a_reseller",
        )
    return ref.id


@transaction.atomic
def reseller_price_set(
    *, principal: Principal, product_id: int, reseller_id: int, one_time_net: object, recurring_net: object
) -> ResellerPrice:
    """What the reseller's customers (and sub-resellers without a price of their own) pay for the product."""
    require_operator(principal)
    product = _locked(product_id)
    organisation_id = _reseller(reseller_id)
    one_time = _amount(one_time_net, field="one_time_net")
    recurring = _amount(recurring_net, field="recurring_net")
    price = ResellerPrice.objects.filter(product=product, organisation_id=organisation_id).first()
    before = {"one_time_net": str(price.one_time_net), "recurring_net": str(price.recurring_net)} if price else {}
    if price is None:
        price = ResellerPrice(product=product, organisation_id=organisation_id)
    price.one_time_net, price.recurring_net = one_time, recurring
    price.save()
    after = {"one_time_net": str(one_time), "recurring_net": str(recurring)}
    if after != before:
        audit_record(
            principal=principal,
            action="reseller_price.set",
            object_type="product",
            object_id=product.pk,
            object_repr=f"{product.code}: {product.name}",
            before={"reseller_id": organisation_id, **before},
            after={"reseller_id": organisation_id, **after},
        )
    return price


@transaction.atomic
def reseller_price_delete(*, principal: Principal, product_id: int, reseller_id: int) -> None:
    """The reseller's customers pay the list price again."""
    require_operator(principal)
    product = _locked(product_id)
    price = ResellerPrice.objects.filter(product=product, organisation_id=reseller_id).first()
    if price is None:
        raise NotFound(
            _("This reseller has no own price for the product."), field="reseller_id", code="reseller_price_not_found"
        )
    audit_record(
        principal=principal,
        action="reseller_price.deleted",
        object_type="product",
        object_id=product.pk,
        object_repr=f"{product.code}: {product.name}",
        before={
            "reseller_id": price.organisation_id,
            "one_time_net": str(price.one_time_net),
            "recurring_net": str(price.recurring_net),
        },
        after={},
    )
    price.delete()


def _serials(serial_numbers: Iterable[object]) -> list[str]:
    if isinstance(serial_numbers, str | bytes):
        raise ValidationFailed(_("Give a list of serial numbers."), field="serial_numbers", code="invalid")
    serials: list[str] = []
    seen: set[str] = set()
    for value in serial_numbers:
        serial = str(value or "").strip()
        if not serial:
            raise ValidationFailed(_("A serial number is empty."), field="serial_numbers", code="required")
        if len(serial) > MAX_SERIAL or not serial.isprintable() or any(ch.isspace() for ch in serial):
            raise ValidationFailed(
                _("%(serial)s is not a serial number: at most %(n)s characters without spaces.")
                % {"serial": serial[:80], "n": MAX_SERIAL},
                field="serial_numbers",
                code="invalid",
            )
        if serial in seen:
            raise ValidationFailed(
                _("Serial number %(serial)s is given twice.") % {"serial": serial},
                field="serial_numbers",
                code="duplicate",
            )
        seen.add(serial)
        serials.append(serial)
        if len(serials) > MAX_DEVICES_PER_CALL:
            raise ValidationFailed(
                _("At most %(n)s devices at a time.") % {"n": MAX_DEVICES_PER_CALL},
                field="serial_numbers",
                code="too_many",
            )
    if not serials:
        raise ValidationFailed(_("Give at least one serial number."), field="serial_numbers", code="required")
    return serials


@transaction.atomic
def devices_add(*, principal: Principal, product_id: int, serial_numbers: Iterable[object]) -> list[Device]:
    """Devices received into stock, by serial number; all or nothing."""
    require_operator(principal)
    product = _locked(product_id)
    if product.type != ProductType.DEVICE:
        raise ValidationFailed(
            _("%(name)s is not a device; only devices are stocked by serial number.") % {"name": product.name},
            field="product_id",
            code="not_a_device",
        )
    serials = _serials(serial_numbers)
    known = (
        Device.objects.filter(serial_number__in=serials)
        .order_by("serial_number")
        .values_list("serial_number", flat=True)
    )
    if taken := list(known[:1]):
        raise Conflict(
            _("A device with serial number %(serial)s exists already.") % {"serial": taken[0]},
            field="serial_numbers",
            code="duplicate",
        )
    try:
        with transaction.atomic():
            devices = Device.objects.bulk_create([Device(product=product, serial_number=s) for s in serials])
    except IntegrityError:  # another call stocked one of them meanwhile
        raise Conflict(
            _("One of these serial numbers was stocked meanwhile; try again."), field="serial_numbers", code="duplicate"
        ) from None
    audit_record(
        principal=principal,
        action="product.devices_added",
        object_type="product",
        object_id=product.pk,
        object_repr=f"{product.code}: {product.name}",
        before={},
        after={"count": len(serials), "serial_numbers": serials[:100]},
    )
    return devices
