from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from switchboard.tenancy.models import Address, Membership
from switchboard.tenancy.tests import factories as f


def login(client: Client, email: str, password: str = f.PASSWORD, **extra):
    return client.post("/login/", {"email": email, "password": password, **extra})


def test_login_lands_on_the_dashboard_in_the_users_language(client, world):
    world.owner.user.language = "de"
    world.owner.user.save()
    response = login(client, world.owner.user.email)
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get("/")
    assert world.customer.company_name in page.content.decode()
    assert '<html lang="de">' in page.content.decode()


def test_wrong_password_is_shown_in_place(client, world):
    response = login(client, world.owner.user.email, "wrong")
    assert response.status_code == 400
    assert "E-mail address or password is wrong." in response.content.decode()


def test_login_is_throttled_with_a_message(client, world, settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "LOGIN_FAILURES": "2/900"}
    for _ in range(2):
        login(client, world.owner.user.email, "wrong")
    response = login(client, world.owner.user.email)
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()


def test_next_must_stay_on_this_site(client, world):
    assert login(client, world.owner.user.email, next="https://evil.test/")["Location"] == "/"
    client.post("/logout/")
    assert login(client, world.owner.user.email, next="/users/")["Location"] == "/users/"


def test_logout_needs_post(client, world):
    login(client, world.owner.user.email)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_forgot_password_answers_the_same_for_unknown_addresses(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/password/forgot/", {"email": world.owner.user.email}, follow=True)
        unknown = client.post("/password/forgot/", {"email": "nobody@nowhere.test"}, follow=True)
    assert known.content.decode().count("an e-mail with a link is on its way") == 1
    assert unknown.content.decode().count("an e-mail with a link is on its way") == 1
    assert len(mail.outbox) == 1


def test_password_link_page(client, world):
    assert "invalid or has expired" in client.get("/password/set/xx/yy/").content.decode()
    uid, token = f.password_token(world.user.user)
    response = client.post(f"/password/set/{uid}/{token}/", {"password": "short", "password_repeat": "short"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    response = client.post(
        f"/password/set/{uid}/{token}/", {"password": "Velvet-Harbour-71", "password_repeat": "Velvet-Harbour-71"}
    )
    assert response.status_code == 302
    assert login(client, world.user.user.email, "Velvet-Harbour-71").status_code == 302


def test_navigation_hides_what_the_role_may_not_use(portal, world):
    owner_page = portal(world.owner).get("/").content.decode()
    reader_page = portal(world.read_only).get("/").content.decode()
    assert 'href="/audit/"' in owner_page
    assert 'href="/audit/"' not in reader_page
    assert 'href="/users/"' in reader_page


def test_read_only_sees_users_but_no_forms(portal, world):
    page = portal(world.read_only).get("/users/").content.decode()
    assert world.owner.user.email in page
    assert 'value="member"' not in page and 'value="api_client"' not in page


def test_person_in_two_organisations_switches_between_them(client, world):
    Membership.objects.create(user=world.owner.user, organisation=world.sub, role="read_only")
    login(client, world.owner.user.email)
    assert world.customer.company_name in client.get("/").content.decode()
    client.post("/organisation/switch/", {"organisation": world.sub.pk})
    assert "Acme Sub" in client.get("/account/").content.decode()
    client.post("/organisation/switch/", {"organisation": world.other.pk})  # not a member: ignored
    assert world.other.company_name not in client.get("/account/").content.decode()


def post_shipping_address(browser: Client, country: str):
    fields = {"name": "Depot", "street": "Weg 1", "postal_code": "1", "city": "Kiel", "country": country}
    return browser.post("/account/", {"action": "shipping", **{f"shipping-{k}": v for k, v in fields.items()}})


@pytest.mark.parametrize(
    ("country", "message"),
    [
        ("Germany", "Ensure this value has at most 2 characters"),  # the form's own check
        ("1A", "Use the two-letter ISO country code"),  # the service's refusal, shown next to the field
    ],
)
def test_address_errors_are_shown_in_place_and_nothing_is_saved(portal, world, country, message):
    response = post_shipping_address(portal(world.owner), country)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_new_api_client_secret_is_shown_once(portal, world):
    browser = portal(world.owner)
    page = browser.post("/users/", {"action": "api_client", "username": "robot"}).content.decode()
    assert f"{world.customer.customer_number}_robot" in page and "will not be shown again" in page
    assert "will not be shown again" not in browser.get("/users/").content.decode()


@pytest.mark.parametrize("language", ["de", "es"])
def test_language_switch(client, world, language):
    login(client, world.owner.user.email)
    client.post("/i18n/setlang/", {"language": language, "next": "/users/"})
    assert f'<html lang="{language}">' in client.get("/users/").content.decode()
    world.owner.user.refresh_from_db()
    assert world.owner.user.language == language  # mails follow the switch


def test_language_switch_works_before_login(client, db):
    client.post("/i18n/setlang/", {"language": "es", "next": "/login/"})
    assert '<html lang="es">' in client.get("/login/").content.decode()


def test_admin_site_is_scoped_for_reseller_staff(client, world):
    reseller = f.OrganisationFactory(parent=world.operator, kind="reseller", company_name="Reseller AG")
    below = f.OrganisationFactory(parent=reseller, company_name="Below GmbH")
    staff = f.member(reseller, "owner", original=True).user
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_organisation"]))
    client.force_login(staff)
    page = client.get("/admin/tenancy/organisation/").content.decode()
    assert "Below GmbH" in page and "Reseller AG" in page
    assert world.customer.company_name not in page
    assert below.customer_number in page


def test_behind_a_proxy_the_login_throttle_counts_the_real_client(client, world, settings):
    settings.BEHIND_PROXY = True
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "LOGIN_FAILURES": "2/900"}
    for n in range(3):
        client.post(
            "/login/",
            {"email": f"nobody{n}@x.test", "password": "x"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        "/login/",
        {"email": world.owner.user.email, "password": f.PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302  # the balancer's address is not locked out for everybody


def test_reseller_staff_cannot_attach_members_outside_their_tree_or_promote(client, world):
    from django.contrib.auth.models import Permission

    reseller = f.OrganisationFactory(parent=world.operator, kind="reseller", company_name="Reseller AG")
    staff = f.member(reseller, "owner", original=True).user
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_membership", "view_membership", "change_user", "view_user"])
    )
    client.force_login(staff)
    form = client.get("/admin/tenancy/membership/add/").content.decode()
    assert "Reseller AG" in form and world.customer.company_name not in form
    response = client.post(
        "/admin/tenancy/membership/add/", {"user": staff.pk, "organisation": world.customer.pk, "role": "owner"}
    )
    assert response.status_code == 200  # the form refuses the foreign organisation
    assert not Membership.objects.filter(user=staff, organisation=world.customer).exists()
    change = client.get(f"/admin/tenancy/user/{staff.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in change
