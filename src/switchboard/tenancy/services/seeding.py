from __future__ import annotations

from django.db import transaction

from switchboard.core.principal import ActorKind, Principal
from switchboard.events.services import audit_record

from ..contracts import OrganisationKind
from ..models import Membership, User
from .accounts import clean_organisation_fields, insert_organisation
from .members import clean_person


@transaction.atomic
def organisation_create_root(
    *,
    company_name: str,
    invoice_email: str,
    owner_email: str,
    owner_first_name: str,
    owner_last_name: str,
    owner_password: str | None = None,
) -> Membership:
    """The operator at the top of the tree, made once at installation (`switchboard setup`, demo)."""
    fields = clean_organisation_fields(company_name=company_name, invoice_email=invoice_email)
    person = clean_person(email=owner_email, first_name=owner_first_name, last_name=owner_last_name)
    operator = insert_organisation(kind=OrganisationKind.OPERATOR, parent=None, **fields)
    # The operator's owner runs the installation, so it is the admin site's superuser; reseller staff get less.
    user = User.objects.filter(email=person["email"]).first() or User.objects.create_superuser(
        person["email"], owner_password, first_name=person["first_name"], last_name=person["last_name"]
    )
    membership = Membership.objects.create(user=user, organisation=operator, role="owner", is_original_owner=True)
    installer = Principal(ActorKind.SYSTEM, operator.pk, "owner", frozenset(), None, "installation")
    audit_record(
        principal=installer,
        action="organisation.created",
        object_type="organisation",
        object_id=operator.pk,
        object_repr=str(operator),
        after={"kind": "operator", **fields},
    )
    return membership
