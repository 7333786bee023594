from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from switchboard.core import validation as v
from switchboard.core.errors import NotFound, PermissionDenied
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import emit

from ..contracts import CHILD_KINDS, AddressData, OrganisationKind
from ..models import Address, Organisation
from . import members
from ._common import audit, own_organisation, snapshot

ORGANISATION_FIELDS = ("company_name", "invoice_email", "phone", "vat_id")
ADDRESS_FIELDS = ("name", "company", "street", "extra", "postal_code", "city", "country")


def clean_organisation_fields(*, company_name: str, invoice_email: str, phone: str = "", vat_id: str = "") -> dict:
    return {
        "company_name": v.text(company_name, field="company_name", max_length=200),
        "invoice_email": v.email(invoice_email, field="invoice_email"),
        "phone": v.text(phone, field="phone", max_length=40, required=False),
        "vat_id": v.text(vat_id, field="vat_id", max_length=40, required=False),
    }


def clean_address(data: AddressData) -> dict:
    return {
        "name": v.text(data.name, field="name", max_length=200),
        "company": v.text(data.company, field="company", max_length=200, required=False),
        "street": v.text(data.street, field="street", max_length=200),
        "extra": v.text(data.extra, field="extra", max_length=200, required=False),
        "postal_code": v.text(data.postal_code, field="postal_code", max_length=20),
        "city": v.text(data.city, field="city", max_length=100),
        "country": v.country(data.country),
    }


def next_customer_number() -> str:
    """Eight-digit, increasing; a racing creator hits the unique constraint and retries."""
    numbers = Organisation.objects.filter(customer_number__regex=r"^[0-9]{8}$").order_by("-customer_number")
    last = numbers.values_list("customer_number", flat=True).first()
    return str(int(last) + 1 if last else 10000001)


def insert_organisation(**fields) -> Organisation:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Organisation.objects.create(customer_number=next_customer_number(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError("could not allocate a customer number")


@transaction.atomic
def organisation_create_child(
    *,
    principal: Principal,
    kind: str,
    company_name: str,
    invoice_email: str,
    owner_email: str,
    owner_first_name: str,
    owner_last_name: str,
    billing_address: AddressData | None = None,
) -> Organisation:
    """A new organisation below the principal's; its owner is mailed a link to set a password."""
    principal.require(Permission.ORGANISATIONS_MANAGE)
    parent = own_organisation(principal)
    allowed = [k.value for k in CHILD_KINDS[OrganisationKind(parent.kind)]]
    if not allowed:
        raise PermissionDenied(_("This organisation cannot have sub-organisations."), field="kind")
    kind = v.choice(kind or allowed[0], field="kind", allowed=allowed)
    fields = clean_organisation_fields(company_name=company_name, invoice_email=invoice_email)
    owner = members.clean_person(
        email=owner_email, first_name=owner_first_name, last_name=owner_last_name, prefix="owner_"
    )
    address = clean_address(billing_address) if billing_address else None

    child = insert_organisation(kind=kind, parent=parent, **fields)
    if address:
        Address.objects.create(organisation=child, kind=Address.Kind.BILLING, **address)
    members.add_member(principal, child, role="owner", original_owner=True, **owner)
    audit(principal, "organisation.created", child, after={"kind": kind, **fields})
    emit(
        "tenancy.organisation.created",
        organisation_id=parent.pk,
        payload={"organisation_id": child.pk, "parent_id": parent.pk, "kind": kind},
    )
    return child


@transaction.atomic
def organisation_update(
    *, principal: Principal, company_name: str, invoice_email: str, phone: str = "", vat_id: str = ""
) -> Organisation:
    principal.require(Permission.ACCOUNT_MANAGE)
    organisation = own_organisation(principal, lock=True)
    fields = clean_organisation_fields(
        company_name=company_name, invoice_email=invoice_email, phone=phone, vat_id=vat_id
    )
    before = snapshot(organisation, ORGANISATION_FIELDS)
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.save()
    audit(principal, "organisation.updated", organisation, before=before, after=fields)
    return organisation


def _address(principal: Principal, address_id: int) -> Address:
    try:
        return Address.objects.select_for_update().get(pk=address_id, organisation_id=principal.organisation_id)
    except (Address.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Address not found."), field="address_id") from None


@transaction.atomic
def billing_address_set(*, principal: Principal, data: AddressData) -> Address:
    principal.require(Permission.ACCOUNT_MANAGE)
    fields = clean_address(data)
    existing = (
        Address.objects.select_for_update()
        .filter(organisation_id=principal.organisation_id, kind=Address.Kind.BILLING)
        .first()
    )
    before = snapshot(existing, ADDRESS_FIELDS) if existing else None
    address, _created = Address.objects.update_or_create(
        organisation_id=principal.organisation_id, kind=Address.Kind.BILLING, defaults=fields
    )
    audit(principal, "address.billing_set", address, before=before, after=fields)
    return address


@transaction.atomic
def address_create(*, principal: Principal, data: AddressData) -> Address:
    """Shipping addresses: as many as the customer likes, offered with every order."""
    principal.require(Permission.ACCOUNT_MANAGE)
    fields = clean_address(data)
    address = Address.objects.create(organisation_id=principal.organisation_id, kind=Address.Kind.SHIPPING, **fields)
    audit(principal, "address.created", address, after=fields)
    return address


@transaction.atomic
def address_update(*, principal: Principal, address_id: int, data: AddressData) -> Address:
    principal.require(Permission.ACCOUNT_MANAGE)
    address = _address(principal, address_id)
    fields = clean_address(data)
    before = snapshot(address, ADDRESS_FIELDS)
    for name, value in fields.items():
        setattr(address, name, value)
    address.save()
    audit(principal, "address.updated", address, before=before, after=fields)
    return address


@transaction.atomic
def address_delete(*, principal: Principal, address_id: int) -> None:
    principal.require(Permission.ACCOUNT_MANAGE)
    address = _address(principal, address_id)
    if address.kind == Address.Kind.BILLING:
        raise PermissionDenied(
            _("The billing address can be changed but not removed."),
            field="address_id",
            code="billing_address_required",
        )
    audit(principal, "address.deleted", address, before=snapshot(address, ADDRESS_FIELDS))
    address.delete()
