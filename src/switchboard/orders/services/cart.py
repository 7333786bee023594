"""The cart: lines collected before an order, each option tied to its parent line or to an active contract.

Nothing here refuses a line for what it still lacks (a parent, stock): the cart page lists those problems, and
only placing the order refuses them. What can never work (an unknown product, a top-up without SIMs) is refused
at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import ProductRef, ProductType
from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy import services as tenancy_services
from switchboard.tenancy.contracts import AddressData

from ..contracts import ContractStatus
from ..models import Cart, CartLine, Contract, Order
from ..selectors import cart_get, cart_keys, cart_line_get, cart_view, order_get
from .placing import existing_order, place, refusal


def cart_of(principal: Principal, *, create: bool = False) -> Cart | None:
    """The caller's own cart, made at the first line when `create`."""
    if create:
        cart, _created = Cart.objects.get_or_create(**cart_keys(principal))
        return cart
    return cart_get(principal=principal)


def _quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise ValidationFailed(_("Enter a quantity between 1 and 100000."), field="quantity")
    return value


def _term(value: object, product: ProductRef) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 240:
        raise ValidationFailed(_("Enter a term between 0 and 240 months."), field="term_months")
    if value < product.min_term_months:
        raise ValidationFailed(
            _("The minimum term of %(name)s is %(n)s months.") % {"name": product.name, "n": product.min_term_months},
            field="term_months",
            code="term_too_short",
        )
    return value


def _line(principal: Principal, line_id: object) -> CartLine:
    line = cart_line_get(principal=principal, line_id=line_id)
    return CartLine.objects.select_for_update().get(pk=line.pk)


@transaction.atomic
def cart_add(
    *,
    principal: Principal,
    product_id: object,
    quantity: object = 1,
    term_months: object = None,
    parent_line_id: object = None,
    parent_contract_id: object = None,
) -> CartLine:
    """Add a product. An option names its parent here; for an option only the quantity is chosen, since it runs
    as long as its parent."""
    product = catalog.product_for(organisation_id=principal.organisation_id, product_id=product_id)
    if product.type.for_sims:
        raise ValidationFailed(
            _("%(name)s is ordered for SIMs: choose them under My SIMs or on the SIM's page.") % {"name": product.name},
            field="product_id",
            code="ordered_for_sims",
        )
    cart = cart_of(principal, create=True)
    line = CartLine(cart=cart, product_id=product.id, quantity=_quantity(quantity))
    if product.is_option:
        if term_months is not None:
            raise ValidationFailed(
                _("An option runs as long as the product it is added to; it has no term of its own."),
                field="term_months",
                code="option_term",
            )
        if parent_line_id not in (None, ""):
            line.parent_line = _line(principal, parent_line_id)
        elif parent_contract_id not in (None, ""):
            line.parent_contract = _contract(principal, parent_contract_id)
    else:
        line.term_months = _term(term_months, product)
    line.save()
    return line


def _contract(principal: Principal, contract_id: object) -> Contract:
    try:
        contract = Contract.objects.filter(
            pk=int(contract_id),  # type: ignore[call-overload]
            organisation_id=principal.organisation_id,
            status=ContractStatus.ACTIVE,
        ).first()
    except (TypeError, ValueError):
        contract = None
    if contract is None:
        raise NotFound(_("Contract not found."), field="parent_contract_id", code="contract_not_found")
    return contract


@transaction.atomic
def cart_update(*, principal: Principal, line_id: object, quantity: object) -> CartLine:
    line = _line(principal, line_id)
    line.quantity = _quantity(quantity)
    line.save(update_fields=["quantity", "updated_at"])
    return line


@transaction.atomic
def cart_attach(
    *, principal: Principal, line_id: object, parent_line_id: object = None, parent_contract_id: object = None
) -> CartLine:
    """Give an option of the cart its parent: another line of the cart or an active contract."""
    line = _line(principal, line_id)
    product = catalog.product_for(organisation_id=principal.organisation_id, product_id=line.product_id)
    if not product.is_option:
        raise ValidationFailed(
            _("%(name)s is not an option; it stands on its own.") % {"name": product.name},
            field="parent",
            code="not_option",
        )
    if (parent_line_id in (None, "")) == (parent_contract_id in (None, "")):
        raise ValidationFailed(_("Choose a line of the cart or an active contract."), field="parent", code="required")
    if parent_line_id not in (None, ""):
        parent = _line(principal, parent_line_id)
        parent_type = catalog.product_for(organisation_id=principal.organisation_id, product_id=parent.product_id).type
        line.parent_line, line.parent_contract = parent, None
    else:
        contract = _contract(principal, parent_contract_id)
        parent_type = ProductType(contract.product_type)
        line.parent_line, line.parent_contract = None, contract
    if parent_type not in product.parent_types:
        raise ValidationFailed(
            _("%(option)s cannot be added to a %(parent)s; it needs a %(wanted)s.")
            % {
                "option": product.name,
                "parent": parent_type.label,
                "wanted": ", ".join(t.label for t in product.parent_types),
            },
            field="parent",
            code="wrong_parent",
        )
    line.term_months = None
    line.save(update_fields=["parent_line", "parent_contract", "term_months", "updated_at"])
    return line


@transaction.atomic
def cart_remove(*, principal: Principal, line_id: object) -> None:
    """Remove a line and the options that hang on it."""
    _line(principal, line_id).delete()


@transaction.atomic
def contract_reorder(*, principal: Principal, contract_id: object) -> CartLine:
    """Reorder ("Nachbestellen"): the contract's product again, with the same term and price, into the cart."""
    contract = _contract(principal, contract_id)
    catalog.product_for(organisation_id=principal.organisation_id, product_id=contract.product_id)  # still sold?
    cart = cart_of(principal, create=True)
    return CartLine.objects.create(
        cart=cart,
        product_id=contract.product_id,
        quantity=contract.quantity,
        term_months=contract.min_term_months,
        parent_contract=contract.parent
        if contract.parent and contract.parent.status == ContractStatus.ACTIVE
        else None,
        one_time_net=contract.one_time_net,
        recurring_net=contract.recurring_net,
    )


@transaction.atomic
def order_reorder(*, principal: Principal, order_number: object) -> list[CartLine]:
    """The dashboard's reorder button: the goods and contracts of an earlier order into the cart again."""
    order = order_get(principal=principal, order_number=order_number)
    cart = cart_of(principal, create=True)
    added: dict[int, CartLine] = {}
    lines = order.lines.order_by("position")
    for line in sorted(lines, key=lambda line: line.parent_line_id is not None):  # parents before their options
        try:
            product = catalog.product_for(organisation_id=principal.organisation_id, product_id=line.product_id)
        except NotFound:
            continue  # no longer sold (its options follow it out: their parent is not added)
        if product.type.for_sims or (line.parent_line_id is not None and line.parent_line_id not in added):
            continue
        added[line.pk] = CartLine.objects.create(
            cart=cart,
            product_id=line.product_id,
            quantity=line.quantity,
            term_months=None if product.is_option else line.term_months,
            parent_line=added.get(line.parent_line_id),
            parent_contract=line.parent_contract,
        )
    if not added:
        raise ValidationFailed(_("Nothing in this order can be ordered again."), field="order_number")
    return list(added.values())


def _shipping(principal: Principal, address_id: object, new_address: AddressData | None):
    if new_address is not None:
        return tenancy_services.address_create(principal=principal, data=new_address)  # kept for next time
    if address_id in (None, ""):
        return None
    try:
        pk = int(address_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        pk = None
    address = tenancy.addresses_list(principal=principal, kind="shipping").filter(pk=pk).first() if pk else None
    if address is None:  # someone else's, or the billing address
        raise NotFound(_("Address not found."), field="address_id")
    return address


@transaction.atomic
def cart_order(
    *,
    principal: Principal,
    address_id: object = None,
    new_address: AddressData | None = None,
    customer_reference: str = "",
    idempotency_key: str = "",
    payment_method: object = None,
) -> Order:
    """ "Beauftragen": the cart becomes an order; the lines ordered leave the cart."""
    principal.require(Permission.ORDERS_CREATE)
    earlier = existing_order(principal, idempotency_key.strip())
    if earlier is not None:  # a retry of an order placed already: the cart has moved on
        return earlier
    cart = cart_of(principal)
    if cart is not None:
        Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one order from a cart at a time
    view = cart_view(principal=principal)
    if view.problems:
        raise refusal(view.problems, "lines")
    order = place(
        principal,
        view.items,
        shipping_address=_shipping(principal, address_id, new_address),
        customer_reference=customer_reference,
        idempotency_key=idempotency_key,
        payment_method=payment_method,
        field_prefix="lines",
    )
    CartLine.objects.filter(pk__in=[row.line.pk for row in view.rows]).delete()  # not lines added meanwhile
    return order
