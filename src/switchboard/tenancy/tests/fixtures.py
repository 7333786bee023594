"""A small world shared by the tenancy, events and cross-cutting tests: one customer with a member per role,
a sub-organisation, and an unrelated customer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from switchboard.tenancy.models import ApiClient, Membership, Organisation

from . import factories as f


@dataclass
class World:
    operator: Organisation
    customer: Organisation
    sub: Organisation
    other: Organisation
    owner: Membership
    admin: Membership
    user: Membership
    read_only: Membership
    sub_owner: Membership
    other_owner: Membership
    client: ApiClient
    other_client: ApiClient
    secret: str = "s3cret-s3cret-s3cret"

    def member(self, role: str) -> Membership:
        return getattr(self, role)


@pytest.fixture
def world(db) -> World:
    operator = f.OperatorFactory()
    customer = f.OrganisationFactory(parent=operator, company_name="Acme GmbH")
    sub = f.OrganisationFactory(parent=customer, kind="sub_organisation", company_name="Acme Sub")
    other = f.OrganisationFactory(parent=operator, company_name="Other AG")
    return World(
        operator=operator,
        customer=customer,
        sub=sub,
        other=other,
        owner=f.member(customer, "owner", original=True),
        admin=f.member(customer, "admin"),
        user=f.member(customer, "user"),
        read_only=f.member(customer, "read_only"),
        sub_owner=f.member(sub, "owner", original=True),
        other_owner=f.member(other, "owner", original=True),
        client=f.api_client(customer),
        other_client=f.api_client(other),
    )
