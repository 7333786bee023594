"""Factories that build tenants the way the services do, so tests start from realistic states."""

from __future__ import annotations

import factory
from django.contrib.auth.tokens import default_token_generator

from switchboard.tenancy import selectors
from switchboard.tenancy.contracts import AddressData
from switchboard.tenancy.models import Address, ApiClient, Membership, Organisation, User
from switchboard.tenancy.services.accounts import next_customer_number

PASSWORD = "Correct-Horse-Battery-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = "customer"
    parent = factory.LazyFunction(lambda: Organisation.objects.filter(kind="operator").first() or OperatorFactory())
    customer_number = factory.LazyFunction(next_customer_number)
    company_name = factory.Sequence(lambda n: f"Company {n} GmbH")
    invoice_email = factory.Sequence(lambda n: f"invoices{n}@example.test")


class OperatorFactory(OrganisationFactory):
    kind = "operator"
    parent = None
    company_name = "Operator AG"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "owner"
    is_original_owner = False


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "shipping"
    name = "Warehouse"
    street = "Hafenstraße 1"
    postal_code = "20457"
    city = "Hamburg"
    country = "DE"


def address_data(**overrides) -> AddressData:
    values = {"name": "Depot", "street": "Lagerweg 2", "postal_code": "50667", "city": "Köln", "country": "DE"}
    return AddressData(**{**values, **overrides})


def member(organisation: Organisation, role: str, **kwargs) -> Membership:
    original = kwargs.pop("original", False)
    return MembershipFactory(organisation=organisation, role=role, is_original_owner=original, **kwargs)


def principal(membership: Membership):
    return selectors.principal_for_membership(membership)


def api_client(organisation: Organisation, secret: str = "s3cret-s3cret-s3cret") -> ApiClient:
    return ApiClient.objects.create(
        organisation=organisation,
        name="machine",
        client_id=f"{organisation.customer_number}_machine{ApiClient.objects.count()}",
        client_secret=secret,
        client_type=ApiClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
    )


def password_token(user: User) -> tuple[str, str]:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
