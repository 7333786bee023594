"""Demo orders: a delivered first SIM order, a SIP trunk with its options, a top-up, and one order waiting for the
operator's back office, all placed through the same services as a customer's."""

from __future__ import annotations

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import ProductType
from switchboard.connectivity import selectors as connectivity
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy

from .cart import cart_add, cart_order
from .fulfilment import order_complete
from .topups import topup_order


def _product(customer: Principal, type: ProductType, code: str = ""):
    products = catalog.products_for(organisation_id=customer.organisation_id, types=(type,))
    return next(p for p in products if not code or p.code == code)


def demo_orders(*, operator: Principal, customer: Principal) -> None:
    address = tenancy.addresses_list(principal=customer, kind="shipping").first()
    sim_card = _product(customer, ProductType.SIM_CARD)
    cart_add(principal=customer, product_id=sim_card.id, quantity=5)
    first = cart_order(principal=customer, address_id=address.pk, customer_reference="PO-2026-0117")
    order_complete(principal=operator, order_number=first.number)

    trunk = cart_add(principal=customer, product_id=_product(customer, ProductType.SIP_TRUNK, "sip-trunk-36").id)
    for option, quantity in ((ProductType.VOICE_CHANNEL, 10), (ProductType.UMS_PACKAGE, 1)):
        cart_add(
            principal=customer, product_id=_product(customer, option).id, quantity=quantity, parent_line_id=trunk.pk
        )
    telephony = cart_order(principal=customer, customer_reference="Head office telephony")
    order_complete(principal=operator, order_number=telephony.number)

    low = connectivity.sims_list(principal=customer).filter(data_status=1).first()  # a SIM running low, if any
    if low is not None:
        topup_order(principal=customer, iccids=[low.iccid], payment_method="creditcard")

    cart_add(principal=customer, product_id=sim_card.id, quantity=10)
    cart_order(principal=customer, address_id=address.pk, customer_reference="Rollout Duisburg")
