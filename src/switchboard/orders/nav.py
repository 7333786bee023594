from django.utils.translation import gettext_lazy as _

from switchboard.core.nav import NavItem, register
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy


def operator_staff(principal: Principal) -> bool:
    """The back office belongs to the operator's organisation, which ships every customer's orders."""
    return tenancy.is_operator(organisation_id=principal.organisation_id)


register(
    NavItem("orders", _("Orders"), "orders:orders", Permission.ORDERS_VIEW, 50),
    NavItem("contracts", _("Active contracts"), "orders:contracts", Permission.ORDERS_VIEW, 52),
    NavItem("cart", _("Cart"), "orders:cart", Permission.ORDERS_CREATE, 54),
    NavItem(
        "back_office",
        _("Order back office"),
        "orders:back_office",
        Permission.ORGANISATIONS_MANAGE,
        47,
        shown_to=operator_staff,
    ),
)
