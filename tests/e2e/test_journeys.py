"""Journeys through the portal in a real browser, as the demo users would click them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

import switchboard

GERMAN_CATALOG = Path(switchboard.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.mo"
PAGES = {"dashboard": "/", "users": "/users/", "organisation": "/organisation/", "account": "/account/"}


def nav(page: Page):
    return page.get_by_role("navigation", name=re.compile(".+"))


def choose_language(page: Page, code: str) -> None:
    """The select in the top bar submits itself on change; wait for the page it leads to."""
    with page.expect_navigation():
        page.locator("#lang-switch").select_option(code)
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator("#lang-switch")).to_have_value(code)


@pytest.mark.e2e
def test_owner_logs_in_and_a_wrong_password_is_refused_in_place(page: Page, demo, shoot):
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shoot(page, "login-en")

    page.get_by_label("E-mail").fill("owner@acme.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("alert")).to_have_text("E-mail address or password is wrong.")
    expect(page.get_by_label("E-mail")).to_have_value("owner@acme.test")
    shoot(page, "login-wrong-password-en")

    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Welcome, Anna")).to_be_visible()
    expect(page.get_by_role("heading", name="Acme Logistics GmbH")).to_be_visible()
    expect(page.get_by_test_id("who")).to_contain_text("Owner")
    shoot(page, "journey-login")


@pytest.mark.e2e
def test_language_switch_to_german_and_spanish(page: Page, login, shoot):
    login("owner@acme.test")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for name, path in PAGES.items():
        page.goto(path)
        shoot(page, f"{name}-en")

    page.goto("/")
    choose_language(page, "de")
    if GERMAN_CATALOG.exists():
        expect(nav(page).get_by_role("link", name="Benutzer", exact=True)).to_be_visible()
    for name, path in PAGES.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        shoot(page, f"{name}-de")

    page.goto("/")
    choose_language(page, "es")
    expect(page.locator("#lang-switch")).to_have_value("es")
    shoot(page, "journey-language-es")

    # The choice outlives the session: the login page after logging out stays in that language.
    choose_language(page, "de")
    page.locator("form[action='/logout/'] button").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#lang-switch")).to_have_value("de")
    shoot(page, "login-de")


@pytest.mark.e2e
def test_owner_adds_a_user_who_gets_an_invitation(page: Page, login, shoot):
    login("owner@acme.test")
    nav(page).get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(re.compile(r"/users/$"))

    form = page.locator("#add-user")
    expect(form.get_by_role("heading", name="Add a user")).to_be_visible()
    form.get_by_label("First name", exact=True).fill("Erika")
    form.get_by_label("Last name", exact=True).fill("Mustermann")
    form.get_by_label("E-mail (login)", exact=True).fill("erika@acme.test")
    form.get_by_label("Role", exact=True).select_option("user")
    form.get_by_role("button", name="Create user").click()

    expect(page).to_have_url(re.compile(r"/users/$"))
    expect(page.get_by_role("status")).to_contain_text("User created.")
    row = page.get_by_role("row").filter(has_text="erika@acme.test")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Erika Mustermann")
    expect(row).to_contain_text("User")
    expect(row).to_contain_text("Invited")
    shoot(page, "journey-users")

    invitations = [m for m in mail.outbox if m.to == ["erika@acme.test"]]
    assert len(invitations) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert "/password/set/" in invitations[0].body


@pytest.mark.e2e
def test_owner_creates_a_sub_organisation(page: Page, login, shoot):
    login("owner@acme.test")
    nav(page).get_by_role("link", name="Organisation", exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisation/$"))

    form = page.locator("#new-organisation")
    form.get_by_label("Type", exact=True).select_option("sub_organisation")
    form.get_by_label("Company name", exact=True).fill("Acme Logistics Süd")
    form.get_by_label("Invoice e-mail", exact=True).fill("invoices@acme-sued.test")
    form.get_by_label("Owner's first name", exact=True).fill("Sophie")
    form.get_by_label("Owner's last name", exact=True).fill("Süd")
    form.get_by_label("Owner's e-mail", exact=True).fill("owner@acme-sued.test")
    form.get_by_role("button", name="Create organisation").click()

    expect(page).to_have_url(re.compile(r"/organisation/$"))
    expect(page.get_by_role("status")).to_contain_text("Organisation created.")
    row = page.locator("#children").get_by_role("row").filter(has_text="Acme Logistics Süd")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("sim-count")).to_have_text("0")
    shoot(page, "journey-organisation")

    assert [m.to for m in mail.outbox if m.to == ["owner@acme-sued.test"]] == [["owner@acme-sued.test"]]


@pytest.mark.e2e
def test_owner_adds_and_removes_a_shipping_address(page: Page, login, shoot):
    login("owner@acme.test")
    nav(page).get_by_role("link", name="Account", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/$"))

    section = page.locator("#shipping-addresses")
    section.get_by_label("Name", exact=True).fill("Acme cross-dock")
    section.get_by_label("Street and number", exact=True).fill("Hafenkante 7")
    section.get_by_label("Postal code", exact=True).fill("28217")
    section.get_by_label("City", exact=True).fill("Bremen")
    section.get_by_label("Country", exact=True).fill("DE")
    section.get_by_role("button", name="Add address").click()

    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    row = section.get_by_role("row").filter(has_text="Acme cross-dock")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bremen")
    expect(section.get_by_role("row").filter(has_text="Acme warehouse")).to_have_count(1)

    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("Address removed.")
    expect(section.get_by_role("row").filter(has_text="Acme cross-dock")).to_have_count(0)
    expect(section.get_by_role("row").filter(has_text="Acme warehouse")).to_have_count(1)
    assert dialogs == ["Remove this address?"]
    shoot(page, "journey-account")
