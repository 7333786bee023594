"""Forms of the order pages: they parse what the browser sends; the orders services decide what is allowed."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from switchboard.catalog.contracts import ProductRef
from switchboard.tenancy.contracts import AddressData

from ..templatetags.orders_tags import money

NEW_ADDRESS = "new"
ADDRESS_FIELDS = ("name", "company", "street", "extra", "postal_code", "city", "country")


def idempotency_key() -> str:
    """A fresh key per rendered form: sending the same form twice places one order."""
    return uuid.uuid4().hex


def product_label(product: ProductRef) -> str:
    price = product.price
    parts = [product.name]
    if price.one_time_net:
        parts.append(str(_("%(amount)s once") % {"amount": money(price.one_time_net, price.currency)}))
    if price.recurring_net:
        parts.append(str(_("%(amount)s a month") % {"amount": money(price.recurring_net, price.currency)}))
    if not price.one_time_net and not price.recurring_net:
        parts.append(str(_("free of charge")))
    return " · ".join(parts)


class CartAddForm(forms.Form):
    """The product picker. An option names its parent (a line of the cart or an active contract) and takes no
    term; anything else may run longer than its minimum term."""

    product_id = forms.TypedChoiceField(label=_("Product"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000, initial=1)
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        required=False,
        min_value=0,
        max_value=240,
        help_text=_("Empty: the product's minimum term. Options run as long as their parent."),
    )
    parent = forms.ChoiceField(
        label=_("Add to"),
        required=False,
        help_text=_("Only for options (UMS package, voice channel, add-on licence): the product they belong to."),
    )

    def __init__(self, *args, products: list[ProductRef], parents: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {product.id: product for product in products}
        groups: dict[str, list[tuple[int, str]]] = {}
        for product in products:
            groups.setdefault(product.type.label, []).append((product.id, product_label(product)))
        self.fields["product_id"].choices = [("", _("Choose a product…")), *groups.items()]
        self.fields["parent"].choices = [("", _("No parent (not an option)")), *parents]

    def arguments(self) -> dict:
        """The keyword arguments of services.cart_add."""
        data = self.cleaned_data
        product = self.products[data["product_id"]]
        arguments = {"product_id": product.id, "quantity": data["quantity"]}
        if product.is_option:
            arguments.update(parent_arguments(data.get("parent") or ""))
        else:
            arguments["term_months"] = data.get("term_months")
        return arguments


def parent_arguments(choice: str) -> dict:
    """A parent as the selects name it ("line:12", "contract:3") as the services take it."""
    kind, _sep, pk = choice.partition(":")
    if kind == "line":
        return {"parent_line_id": pk}
    if kind == "contract":
        return {"parent_contract_id": pk}
    return {}


class AttachForm(forms.Form):
    """An option of the cart that lacks its parent gets one in place: a fitting line of the cart or a contract."""

    parent = forms.ChoiceField(label=_("Add to"), error_messages={"required": _("Choose what the option belongs to.")})

    def __init__(self, *args, parents: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("Choose…")), *parents]

    def arguments(self) -> dict:
        """The keyword arguments of services.cart_attach (besides the line)."""
        return parent_arguments(self.cleaned_data["parent"])


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000)


class CheckoutForm(forms.Form):
    """Delivery address (a saved one or a new one, kept for next time), customer reference, and the key that
    makes a double click place one order."""

    delivery_address = forms.ChoiceField(label=_("Delivery address"), widget=forms.RadioSelect, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    extra = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("ISO 3166 code, e.g. DE"),
        widget=forms.TextInput(attrs={"size": 2}),
    )
    customer_reference = forms.CharField(
        label=_("Your reference"),
        max_length=100,
        required=False,
        help_text=_("Printed on the invoice, e.g. your purchase order number."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, addresses: list, needs_address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_address = needs_address
        choices = [(str(address.pk), str(address)) for address in addresses]
        self.fields["delivery_address"].choices = [*choices, (NEW_ADDRESS, _("A new address"))]
        self.fields["delivery_address"].initial = choices[0][0] if choices else NEW_ADDRESS
        self.fields["idempotency_key"].initial = idempotency_key()

    @property
    def address_fields(self) -> list:
        return [self[name] for name in ADDRESS_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.needs_address and not cleaned.get("delivery_address"):
            self.add_error("delivery_address", _("Choose a delivery address for the goods in this order."))
        return cleaned

    def arguments(self) -> dict:
        """The keyword arguments of services.cart_order; the address only matters for goods."""
        data = self.cleaned_data
        arguments = {
            "customer_reference": data["customer_reference"],
            "idempotency_key": data["idempotency_key"] or "",
        }
        if not self.needs_address:
            return arguments
        if data["delivery_address"] == NEW_ADDRESS:
            arguments["new_address"] = AddressData(**{name: data[name].strip() for name in ADDRESS_FIELDS})
        else:
            arguments["address_id"] = data["delivery_address"]
        return arguments


class IccidsField(forms.Field):
    """The SIMs an order is for: all values of one name (the ticked checkboxes of My SIMs, or one SIM)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Select at least one SIM.")}

    def to_python(self, value) -> list[str]:
        return [str(v).strip() for v in value or [] if str(v).strip()]


class SimOrderForm(forms.Form):
    """A top-up or a lifetime extension for one SIM or a selection, as confirmed on its own page."""

    iccid = IccidsField()
    product_id = forms.TypedChoiceField(label=_("Product"), coerce=int, widget=forms.RadioSelect)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, products: list[ProductRef], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {product.id: product for product in products}
        # The names only: the confirmation page sets net, VAT and gross for the SIMs beside them.
        self.fields["product_id"].choices = [(p.id, p.name) for p in products]
        if products:
            self.fields["product_id"].initial = products[0].id
        self.fields["idempotency_key"].initial = idempotency_key()

    @property
    def product(self) -> ProductRef | None:
        chosen = self.cleaned_data.get("product_id") if hasattr(self, "cleaned_data") else None
        return self.products.get(chosen) if chosen else None


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("Why the order is cancelled"), "class": "reason", "size": 32}),
        error_messages={"required": _("Give the reason for the cancellation.")},
    )


class CorrectionForm(forms.Form):
    net = forms.DecimalField(
        label=_("Net amount"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Negative for a credit, positive for a further charge; VAT at the order's rate."),
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "-10.00"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Reason for the correction"), "class": "reason", "size": 32}),
        error_messages={"required": _("Give the reason for the correction.")},
    )
