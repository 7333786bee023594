"""The SIM pages in a real browser, on the demo fleet: from the dashboard to an exhausted SIM and its export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

MOBILE = {"width": 400, "height": 860}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.e2e
def test_dashboard_to_an_exhausted_sim_relabelled_deactivated_and_exported(page: Page, login, shoot):
    login("owner@acme.test")
    data = page.get_by_test_id("groups-data")
    expect(data.locator("li.exhausted .group-count")).to_have_text("2")
    shoot(page, "sims-journey-dashboard")

    data.get_by_role("link", name="Show SIMs: Data volume, Exhausted").click()
    expect(page).to_have_url(re.compile(r"/sims/\?data_group=exhausted$"))
    expect(page.get_by_test_id("sim-total")).to_have_text("2 SIMs")
    expect(page.get_by_label("Data volume")).to_have_value("exhausted")
    shoot(page, "sims-journey-exhausted")

    rows = page.locator("table.sims tbody tr")
    iccid = rows.first.locator("td.mono a").inner_text()
    rows.first.get_by_role("link", name=iccid).click()
    expect(page).to_have_url(re.compile(rf"/sims/{iccid}/$"))
    expect(page.get_by_test_id("blocker")).to_contain_text("The data volume is used up.")
    shoot(page, "sims-journey-detail")

    # The label is edited in place: the page stays, only the label's fragment changes.
    page.get_by_role("link", name="Edit").click()
    field = page.get_by_role("textbox", name="Label")
    field.fill("Crane 7 (exhausted)")
    shoot(page, "sims-journey-label-edit")
    field.press("Enter")
    expect(page.get_by_test_id("sim-label")).to_have_text("Crane 7 (exhausted)")
    expect(page.get_by_role("heading", name="Crane 7 (exhausted)")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/sims/{iccid}/$"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status").filter(has_text="SIM deactivated.")).to_be_visible()
    expect(page.get_by_test_id("sim-status")).to_have_text("Disabled")
    expect(page.get_by_role("heading", name="Crane 7 (exhausted)")).to_be_visible()
    shoot(page, "sims-journey-deactivated")

    page.goto("/sims/?data_group=exhausted")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(exported) == 2
    mine = next(row for row in exported if row["ICCID"] == iccid)
    assert (mine["Label"], mine["Status"], mine["Data left (MB)"]) == ("Crane 7 (exhausted)", "Disabled", "0.000000")


@pytest.mark.e2e
def test_search_as_you_type_sort_and_bulk_label(page: Page, login, shoot):
    login("user@acme.test")
    page.goto("/sims/")
    expect(page.get_by_test_id("sim-total")).to_have_text("31 SIMs")
    page.get_by_label("Search").press_sequentially("Meter", delay=30)
    expect(page.get_by_test_id("sim-total")).to_have_text("8 SIMs")
    expect(page).to_have_url(re.compile(r"q=Meter"))
    page.get_by_role("link", name="Label", exact=True).click()
    page.get_by_role("link", name="Label ▲", exact=True).click()
    expect(page.locator("table.sims tbody tr").first.locator("td.label-cell")).to_have_text("Meter-008")
    page.get_by_label("Status").select_option("Enabled")  # a filter keeps the order the header chose
    expect(page).to_have_url(re.compile(r"status=Enabled.*sort=-label"))
    expect(page.locator("table.sims tbody tr").first.locator("td.label-cell")).to_have_text("Meter-008")

    page.get_by_role("checkbox", name="Select all SIMs on this page").check()
    page.get_by_label("With the selected SIMs").select_option("label_prefix")
    page.get_by_label("Label prefix").fill("Hall")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="8 SIMs relabelled.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=Meter"))  # the list comes back as it was
    page.get_by_label("Search").fill("Hall")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_test_id("sim-total")).to_have_text("8 SIMs")
    shoot(page, "sims-bulk-relabelled")


@pytest.mark.e2e
def test_read_only_sees_the_pages_without_actions(page: Page, login, shoot):
    login("readonly@acme.test")
    page.goto("/sims/")
    expect(page.get_by_text("With the selected SIMs")).to_have_count(0)
    page.locator("table.sims tbody tr").first.locator("td.mono a").click()
    expect(page.get_by_role("heading", name="Network")).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.goto("/configuration/")
    expect(page.get_by_role("button", name="Save limits")).to_have_count(0)
    shoot(page, "configuration-read-only")


@pytest.mark.e2e
@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_sim_pages_fit_the_window(page: Page, login, shoot, viewport):
    """Every SIM page at 1280 px and at phone width: nothing sticks out sideways (wide tables scroll inside)."""
    if viewport:
        page.set_viewport_size(viewport)
    suffix = "mobile" if viewport else "desktop"
    login("owner@acme.test")
    for name, path in (
        ("dashboard", "/"),
        ("sims", "/sims/"),
        ("configuration", "/configuration/"),
        ("sim-transfer", "/organisation/sim-transfer/"),
    ):
        page.goto(path)
        assert overflow(page) == 0, name
        shoot(page, f"{name}-{suffix}")
    page.goto("/sims/")
    page.locator("table.sims tbody tr").first.locator("td.mono a").click()
    page.get_by_role("link", name="Usage").click()
    expect(page).to_have_url(re.compile(r"tab=usage"))
    assert overflow(page) == 0
    shoot(page, f"sim-detail-{suffix}")


@pytest.mark.e2e
def test_operator_imports_vendor_csv_and_assigns_stock(page: Page, login, shoot, tmp_path):
    login("operator@demo.switchboard.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="SIM inventory").click()
    expect(page.get_by_test_id("stock-count")).to_have_text("19")
    shoot(page, "inventory")

    vendor = tmp_path / "vendor-batch-2.csv"
    vendor.write_text(
        "ICCID;IMSI;MSISDN;Form factor\n"
        "8988228066600000900;901405100000900;882285100000900;4FF\n"
        "8988228066600000901;90140510000;;4FF\n"
    )
    page.get_by_label("Vendor CSV").set_input_files(vendor)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Import of vendor-batch-2.csv")).to_be_visible()
    # The tests run tasks at once; in production the worker does, and the page asks for progress every second.
    expect(page.get_by_test_id("import-status")).to_have_text("Done")
    expect(page.get_by_test_id("imported")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    expect(page.locator("#rejected")).to_contain_text("An IMSI has 14 or 15 digits; 11 given.")
    shoot(page, "inventory-import-report")

    page.get_by_role("link", name="SIM inventory").first.click()
    expect(page.get_by_test_id("stock-count")).to_have_text("20")
    beta = page.locator("#id_organisation_id option", has_text="Beta Metering").get_attribute("value")
    page.get_by_label("Customer").select_option(beta)
    page.get_by_label("ICCIDs").fill("8988228066600000042;8988228066600000045")  # 37-41 went to Acme's first order
    page.get_by_role("button", name="Assign SIMs").click()
    expect(page.get_by_role("status").filter(has_text="4 SIMs assigned.")).to_be_visible()
    expect(page.get_by_test_id("stock-count")).to_have_text("16")
    shoot(page, "inventory-assigned")
