from __future__ import annotations

import pytest
from django.core import mail

from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.tenancy import selectors, services
from switchboard.tenancy.models import Address, ApiClient, Organisation

from . import factories as f


def create_child(world, actor="owner", **overrides):
    data = {
        "kind": "",
        "company_name": "Acme Süd",
        "invoice_email": "billing@sued.test",
        "owner_email": "chef@sued.test",
        "owner_first_name": "Sepp",
        "owner_last_name": "Süd",
        **overrides,
    }
    return services.organisation_create_child(principal=f.principal(world.member(actor)), **data)


def test_sub_organisation_gets_a_number_an_owner_and_a_mail(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        child = create_child(world, billing_address=f.address_data())
    assert child.kind == "sub_organisation"
    assert child.parent == world.customer
    assert len(child.customer_number) == 8
    owner = selectors.organisation_owner(organisation_id=child.pk)
    assert owner.user.email == "chef@sued.test"
    assert owner.role == "owner"
    assert Address.objects.get(organisation=child, kind="billing").city == "Köln"
    assert mail.outbox[0].to == ["chef@sued.test"]
    assert "/password/set/" in mail.outbox[0].body


def test_parent_sees_children_with_counts_only(world):
    children = selectors.organisation_children(principal=f.principal(world.owner))
    assert [(c["company_name"], c["sim_count"]) for c in children] == [("Acme Sub", 0)]
    assert set(children[0]) == {"id", "kind", "customer_number", "company_name", "created_at", "sim_count"}


def test_sim_counts_come_from_the_registered_counter(world):
    selectors.register_sim_counter(lambda ids: dict.fromkeys(ids, 7))
    try:
        assert selectors.organisation_children(principal=f.principal(world.owner))[0]["sim_count"] == 7
    finally:
        selectors.register_sim_counter(selectors.no_sims)


def test_sub_organisations_see_neither_parent_nor_siblings(world):
    sibling = f.OrganisationFactory(parent=world.customer, kind="sub_organisation")
    sub = f.principal(world.sub_owner)
    assert selectors.organisation_children(principal=sub) == []
    assert selectors.members_list(principal=sub).filter(organisation__in=[world.customer, sibling]).count() == 0
    with pytest.raises(NotFound):
        selectors.member_get(principal=sub, membership_id=world.owner.pk)
    with pytest.raises(PermissionDenied):
        create_child(world, "sub_owner")


def test_kinds_follow_the_tree(world):
    reseller = f.OrganisationFactory(parent=world.operator, kind="reseller")
    reseller_owner = f.member(reseller, "owner", original=True)
    sub_reseller = services.organisation_create_child(
        principal=f.principal(reseller_owner),
        kind="reseller",
        company_name="Submandant",
        invoice_email="a@b.test",
        owner_email="s@b.test",
        owner_first_name="S",
        owner_last_name="M",
    )
    assert sub_reseller.parent == reseller
    with pytest.raises(ValidationFailed) as refused:
        create_child(world, kind="reseller")
    assert refused.value.field == "kind"


@pytest.mark.parametrize(("field", "value"), [("company_name", ""), ("invoice_email", "nope"), ("owner_email", "x@")])
def test_bad_child_input_writes_nothing(world, field, value):
    before = Organisation.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        create_child(world, **{field: value})
    assert refused.value.field == field
    assert Organisation.objects.count() == before


@pytest.mark.parametrize("actor", ["user", "read_only"])
def test_only_owner_and_admin_create_organisations(world, actor):
    with pytest.raises(PermissionDenied):
        create_child(world, actor)


def test_customer_data_and_addresses(world):
    owner = f.principal(world.owner)
    services.organisation_update(principal=owner, company_name="Acme Logistics GmbH", invoice_email="AP@acme.test")
    assert Organisation.objects.get(pk=world.customer.pk).invoice_email == "ap@acme.test"
    billing = services.billing_address_set(principal=owner, data=f.address_data(city="Bonn"))
    again = services.billing_address_set(principal=owner, data=f.address_data(city="Berlin"))
    assert billing.pk == again.pk and again.city == "Berlin"
    shipping = services.address_create(principal=owner, data=f.address_data(name="Hall 2"))
    services.address_update(principal=owner, address_id=shipping.pk, data=f.address_data(name="Hall 3"))
    assert Address.objects.get(pk=shipping.pk).name == "Hall 3"
    with pytest.raises(PermissionDenied):
        services.address_delete(principal=owner, address_id=billing.pk)
    services.address_delete(principal=owner, address_id=shipping.pk)
    assert not Address.objects.filter(pk=shipping.pk).exists()


def test_country_must_be_an_iso_code(world):
    with pytest.raises(ValidationFailed) as refused:
        services.address_create(principal=f.principal(world.owner), data=f.address_data(country="Germany"))
    assert refused.value.field == "country"


def test_addresses_of_others_are_not_found(world):
    foreign = f.AddressFactory(organisation=world.other)
    with pytest.raises(NotFound):
        services.address_update(principal=f.principal(world.owner), address_id=foreign.pk, data=f.address_data())


def test_api_client_id_has_the_customer_number_prefix_and_a_hashed_secret(world):
    client, secret = services.api_client_create(principal=f.principal(world.owner), username="Telemetry")
    assert client.client_id == f"{world.customer.customer_number}_telemetry"
    stored = ApiClient.objects.get(pk=client.pk).client_secret
    assert secret not in stored and stored.startswith(("pbkdf2", "md5", "argon2"))
    assert len(secret) >= 32


def test_api_client_secret_can_be_chosen_but_not_weak(world):
    owner = f.principal(world.owner)
    _client, secret = services.api_client_create(principal=owner, username="chosen", secret="my-own-long-secret-1")
    assert secret == "my-own-long-secret-1"
    with pytest.raises(ValidationFailed) as refused:
        services.api_client_create(principal=owner, username="weak", secret="short")
    assert refused.value.field == "secret"
    with pytest.raises(ValidationFailed):
        services.api_client_create(principal=owner, username="no spaces!")


@pytest.mark.parametrize("actor", ["user", "read_only"])
def test_only_owner_and_admin_create_api_clients(world, actor):
    with pytest.raises(PermissionDenied):
        services.api_client_create(principal=f.principal(world.member(actor)), username="robot")
