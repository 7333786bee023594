"""Demo data set, built through the same services the portal and API use. Idempotent: runs once per database."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from switchboard.aaa import services as aaa
from switchboard.catalog.services import demo_catalog
from switchboard.connectivity.services import demo_fleet
from switchboard.events import selectors as events_selectors
from switchboard.events import services as events
from switchboard.orders.services.seeding import demo_orders
from switchboard.sms.services.seeding import demo_sms
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy import services
from switchboard.tenancy.contracts import AddressData

DEMO_PASSWORD = "Orange-Telefon-42"  # noqa: S105  published demo credential, never used outside the demo
API_SECRET = "demo-api-secret-2026"  # noqa: S105
OPERATOR_EMAIL = "operator@demo.switchboard.test"


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    organisation: str


LOGINS = (
    Login(OPERATOR_EMAIL, "Owner", "Switchboard Demo Operator"),
    Login("reseller@nordnetz.test", "Owner", "NordNetz Reseller GmbH"),
    Login("owner@acme.test", "Owner", "Acme Logistics GmbH"),
    Login("admin@acme.test", "Admin", "Acme Logistics GmbH"),
    Login("user@acme.test", "User", "Acme Logistics GmbH"),
    Login("readonly@acme.test", "Read only", "Acme Logistics GmbH"),
    Login("owner@acme-nord.test", "Owner", "Acme Logistics Nord (sub-organisation of Acme)"),
    Login("owner@beta.test", "Owner", "Beta Metering S.L."),
)


def _password(user_id: int) -> None:
    user = tenancy.user_get(user_id=user_id)
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    services.password_set(uidb64=uid, token=token, password=DEMO_PASSWORD, password_repeat=DEMO_PASSWORD)


def _address(name: str, street: str, postal_code: str, city: str, country: str) -> AddressData:
    return AddressData(name=name, street=street, postal_code=postal_code, city=city, country=country)


def _owner_principal(organisation) -> object:
    owner = tenancy.organisation_owner(organisation_id=organisation.pk)
    return tenancy.principal_for_membership(owner)


def _child(parent_principal, kind: str, company: str, email: str, first: str, last: str, billing: AddressData):
    child = services.organisation_create_child(
        principal=parent_principal,
        kind=kind,
        company_name=company,
        invoice_email=f"invoices@{email.split('@')[1]}",
        owner_email=email,
        owner_first_name=first,
        owner_last_name=last,
        billing_address=billing,
    )
    _password(tenancy.organisation_owner(organisation_id=child.pk).user_id)
    return child, _owner_principal(child)


@transaction.atomic
def seed() -> bool:
    """False when the demo data exists already."""
    if tenancy.user_exists(email=OPERATOR_EMAIL):
        return False
    operator_owner = services.organisation_create_root(
        company_name="Switchboard Demo Operator",
        invoice_email="billing@demo.switchboard.test",
        owner_email=OPERATOR_EMAIL,
        owner_first_name="Olga",
        owner_last_name="Operator",
    )
    _password(operator_owner.user_id)
    operator = tenancy.principal_for_membership(operator_owner)
    # the issuer's address on every invoice
    services.billing_address_set(
        principal=operator, data=_address("Switchboard Demo Operator", "Am Sandtorkai 1", "20457", "Hamburg", "DE")
    )
    _reseller, reseller_p = _child(
        operator,
        "reseller",
        "NordNetz Reseller GmbH",
        "reseller@nordnetz.test",
        "Rainer",
        "Reseller",
        _address("NordNetz", "Hafenstraße 12", "20457", "Hamburg", "DE"),
    )
    acme, acme_p = _child(
        reseller_p,
        "customer",
        "Acme Logistics GmbH",
        "owner@acme.test",
        "Anna",
        "Owner",
        _address("Acme Logistics GmbH", "Industriestraße 5", "50667", "Köln", "DE"),
    )
    beta, _beta_p = _child(
        operator,
        "customer",
        "Beta Metering S.L.",
        "owner@beta.test",
        "Bruno",
        "Propietario",
        _address("Beta Metering S.L.", "Calle Mayor 3", "28013", "Madrid", "ES"),
    )
    nord, _nord_p = _child(
        acme_p,
        "sub_organisation",
        "Acme Logistics Nord",
        "owner@acme-nord.test",
        "Nils",
        "Nord",
        _address("Acme Nord", "Kaistraße 8", "24103", "Kiel", "DE"),
    )
    services.address_create(principal=acme_p, data=_address("Acme warehouse", "Lagerweg 1", "47051", "Duisburg", "DE"))
    for role, first in (("admin", "Adam"), ("user", "Uma"), ("read_only", "Rita")):
        member = services.member_invite(
            principal=acme_p,
            email=f"{role.replace('_', '')}@acme.test",
            first_name=first,
            last_name=role.replace("_", " ").title(),
            role=role,
        )
        _password(member.user_id)
    services.api_client_create(principal=acme_p, username="demo", secret=API_SECRET)
    demo_fleet(operator=operator, customer=acme_p, customer_id=acme.pk, sub_id=nord.pk, other_id=beta.pk)
    demo_catalog(operator=operator)
    demo_orders(operator=operator, customer=acme_p)
    demo_sms(customer=acme_p)
    aaa.nas_client_create(
        principal=operator,
        change=aaa.NasClientChange(
            name="Simulated PGW",
            network="127.0.0.1/32",
            secret=settings.SWITCHBOARD["RADIUS"]["SIMULATOR_SECRET"],
        ),
    )
    return True


def api_client_id() -> str:
    return tenancy.api_client_id_of(username="demo", organisation_name="Acme Logistics GmbH")


STREAM_RECEIVER = "127.0.0.1:8099"  # where `switchboard stream_receiver` listens in the demo


def seed_streams() -> bool:
    """Acme's data streams and SMS forwarder, delivering to the demo's local receiver; only where private addresses
    are allowed for webhooks (bin/demo allows them), and only once."""
    if not settings.SWITCHBOARD["WEBHOOKS_ALLOW_PRIVATE"]:
        return False
    user = get_user_model().objects.get(email="owner@acme.test")
    principal = tenancy.principal_for_membership(tenancy.membership_for(user=user, organisation_id=None))
    if events_selectors.streams_list(principal=principal).exists():
        return False
    base = f"http://{STREAM_RECEIVER}"
    for name, kind in (("Operations events", "events"), ("Usage to billing", "usage")):
        events.stream_create(principal=principal, name=name, kind=kind, target="webhook", url=f"{base}/{kind}")
    events.forwarding_set(principal=principal, url=f"{base}/sms")
    return True
