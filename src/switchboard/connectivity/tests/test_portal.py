"""The SIM pages of the portal: what each role sees and may do, refusals in place, and other tenants kept out."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from switchboard.connectivity import services
from switchboard.connectivity.contracts import MB, QuotaStatus, SimEventType, SimStatus
from switchboard.connectivity.models import LimitStep, OrganisationLimits, Sim, SimEvent, SimImport
from switchboard.connectivity.services.seeding import vendor_csv
from switchboard.connectivity.tests.factories import online
from switchboard.events.models import AuditEntry, OutboxEvent
from switchboard.tenancy import selectors as tenancy

HTMX = {"HX-Request": "true"}


def htmx(target: str) -> dict:
    return {**HTMX, "HX-Target": target}


def exhaust(sim: Sim) -> Sim:
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    sim.refresh_from_db()
    return sim


def snapshot() -> str:
    """Everything a refused write must leave as it was."""
    rows = [
        list(m.objects.order_by("pk").values()) for m in (Sim, SimEvent, OrganisationLimits, AuditEntry, OutboxEvent)
    ]
    return repr(rows)


def detail_url(sim: Sim, name: str = "sim_detail") -> str:
    return reverse(f"connectivity:{name}", args=[sim.iccid])


PAGES = [
    reverse("portal:dashboard"),
    reverse("connectivity:sims"),
    reverse("connectivity:configuration"),
    reverse("connectivity:sim_transfer"),
    reverse("connectivity:inventory"),
    reverse("connectivity:sims_export", args=["csv"]),
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_the_login(portal, fleet, path):
    response = portal().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_anonymous_sim_detail_and_posts_go_to_the_login(portal, fleet):
    browser = portal()
    before = snapshot()
    assert browser.get(detail_url(fleet.sim))["Location"].startswith("/login/")
    assert browser.post(detail_url(fleet.sim, "sim_status"), {"status": "Disabled"})["Location"].startswith("/login/")
    assert snapshot() == before


# Dashboard


def test_dashboard_counts_volume_groups_and_links_to_the_filtered_list(portal, world, fleet):
    exhaust(fleet.sims[0])
    page = portal(world.owner).get("/").content.decode()
    assert 'href="/sims/?data_group=exhausted"' in page
    assert 'href="/sims/?sms_group=low"' in page
    listed = portal(world.owner).get("/sims/?data_group=exhausted").content.decode()
    assert fleet.sims[0].iccid in listed and fleet.sims[1].iccid not in listed


def test_dashboard_charts_six_months_in_mb(portal, world, fleet):
    services.record_usage(sim_id=fleet.sim.pk, rx=300 * MB, tx=50 * MB)
    page = portal(world.owner).get("/").content.decode()
    assert 'data-testid="chart-data"' in page and 'data-testid="chart-sms"' in page
    assert "350 MB" in page
    assert page.count('class="chart-col"') == 12  # six months, two charts


def test_dashboard_orders_card_is_honest_and_offers_no_dead_button(portal, world, fleet):
    page = portal(world.owner).get("/").content.decode()
    assert "No orders yet" in page and "Reorder" not in page


def test_dashboard_counts_only_the_organisations_own_sims(portal, world, fleet):
    page = portal(world.other_owner).get("/").content.decode()
    assert "2 SIMs in total" in page


# My SIMs


def test_my_sims_lists_only_own_sims(portal, world, fleet):
    page = portal(world.read_only).get("/sims/").content.decode()
    assert all(s.iccid in page for s in fleet.sims)
    assert not any(s.iccid in page for s in fleet.sub_sims + fleet.other_sims + fleet.stock)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Truck 2", [1]), ("truck", [0, 1, 2]), ("iccid", [0]), ("prefix", [0, 1, 2]), ("imsi", [2]), ("msisdn", [1])],
)
def test_search_matches_label_and_number_prefixes(portal, world, fleet, query, expected):
    numbers = {
        "iccid": fleet.sims[0].iccid_with_luhn,
        "prefix": fleet.sims[0].iccid[:12],
        "imsi": fleet.sims[2].imsi,
        "msisdn": fleet.sims[1].msisdn,
    }
    page = portal(world.owner).get("/sims/", {"q": numbers.get(query, query)}).content.decode()
    assert [i for i, sim in enumerate(fleet.sims) if sim.iccid in page] == expected
    assert not any(sim.iccid in page for sim in fleet.other_sims)


def test_filters_status_and_connectivity(portal, world, fleet):
    services.sims_set_status(
        principal=tenancy.principal_for_membership(world.owner), iccids=[fleet.sims[1].iccid], status="Disabled"
    )
    online(fleet.sims[2])
    browser = portal(world.owner)
    disabled = browser.get("/sims/", {"status": "Disabled"}).content.decode()
    assert fleet.sims[1].iccid in disabled and fleet.sims[0].iccid not in disabled
    connected = browser.get("/sims/", {"connectivity": "ONLINE"}).content.decode()
    assert fleet.sims[2].iccid in connected and fleet.sims[0].iccid not in connected
    offline = browser.get("/sims/", {"connectivity": "OFFLINE"}).content.decode()
    assert fleet.sims[0].iccid in offline and fleet.sims[2].iccid not in offline


def test_a_bad_filter_is_reported_and_the_list_still_shows(portal, world, fleet):
    response = portal(world.owner).get("/sims/", {"data_group": "plenty", "sort": "price"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in page and "Unknown sort order." in page
    assert fleet.sims[0].iccid in page


def test_sorting_and_paging(portal, world, fleet):
    browser = portal(world.owner)
    page = browser.get("/sims/", {"sort": "-label", "size": 25}).content.decode()
    positions = [page.index(s.iccid) for s in fleet.sims]
    assert positions == sorted(positions, reverse=True)  # Truck 3, Truck 2, Truck 1
    second = browser.get("/sims/", {"sort": "label", "size": 25, "page": 2}).content.decode()
    assert "Page 1 of 1" not in second and fleet.sims[0].iccid in second  # past the end: the last page
    small = browser.get("/sims/", {"sort": "label", "size": 25, "q": "Truck"})
    assert small.status_code == 200


def test_page_sizes_are_limited_to_the_offered_ones(portal, world, fleet):
    response = portal(world.owner).get("/sims/", {"size": 10_000})
    assert response.status_code == 400 and fleet.sims[0].iccid in response.content.decode()


def test_htmx_search_returns_only_the_results_fragment(portal, world, fleet):
    response = portal(world.owner).get("/sims/", {"q": "Truck 3"}, headers=htmx("sim-results"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<section class="card" id="sim-results">')
    assert fleet.sims[2].iccid in page and fleet.sims[0].iccid not in page


def test_bulk_deactivate_keeps_the_filters(portal, world, fleet):
    iccids = [fleet.sims[0].iccid, fleet.sims[1].iccid]
    response = portal(world.user).post("/sims/bulk/?q=Truck&sort=label", {"action": "deactivate", "iccid": iccids})
    assert response.status_code == 302 and response["Location"] == "/sims/?q=Truck&sort=label"
    statuses = dict(Sim.objects.filter(organisation_id=world.customer.pk).values_list("iccid", "status"))
    assert [statuses[s.iccid] for s in fleet.sims] == ["Disabled", "Disabled", "Enabled"]


def test_bulk_label_prefix_and_imei_lock(portal, world, fleet):
    browser = portal(world.owner)
    iccids = [s.iccid for s in fleet.sims]
    browser.post("/sims/bulk/", {"action": "label_prefix", "prefix": "Berlin", "iccid": iccids})
    browser.post("/sims/bulk/", {"action": "imei_lock_on", "iccid": iccids[:2]})
    sims = list(Sim.objects.filter(organisation_id=world.customer.pk).order_by("iccid"))
    assert [s.label for s in sims] == ["Berlin-001", "Berlin-002", "Berlin-003"]
    assert [s.imei_lock for s in sims] == [True, True, False]


def test_bulk_refusals_are_shown_in_place_with_the_ticks_kept(portal, world, fleet):
    browser = portal(world.owner)
    before = snapshot()
    missing_prefix = browser.post("/sims/bulk/", {"action": "label_prefix", "prefix": "", "iccid": [fleet.sim.iccid]})
    page = missing_prefix.content.decode()
    assert missing_prefix.status_code == 400 and "This field is required." in page
    assert f'value="{fleet.sim.iccid}" aria-label="Select SIM {fleet.sim.iccid}" checked' in page
    nothing = browser.post("/sims/bulk/", {"action": "activate"})
    assert nothing.status_code == 400 and "Select at least one SIM." in nothing.content.decode()
    foreign = browser.post(
        "/sims/bulk/", {"action": "deactivate", "iccid": [fleet.sim.iccid, fleet.other_sims[0].iccid]}
    )
    assert foreign.status_code == 400 and f"SIM {fleet.other_sims[0].iccid} not found." in foreign.content.decode()
    assert snapshot() == before


def test_read_only_sees_no_bulk_actions_and_may_not_post_them(portal, world, fleet):
    browser = portal(world.read_only)
    page = browser.get("/sims/").content.decode()
    assert "With the selected SIMs" not in page and 'name="iccid"' not in page
    before = snapshot()
    assert browser.post("/sims/bulk/", {"action": "deactivate", "iccid": [fleet.sim.iccid]}).status_code == 403
    assert snapshot() == before


def test_export_csv_follows_the_filters(portal, world, fleet):
    exhaust(fleet.sims[1])
    response = portal(world.read_only).get("/sims/export/csv/", {"data_group": "exhausted", "page": 3})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert response["Content-Disposition"].startswith('attachment; filename="sims-')
    assert rows[0][0] == "ICCID" and [r[0] for r in rows[1:]] == [fleet.sims[1].iccid]


def test_export_xlsx_and_unknown_formats(portal, world, fleet):
    browser = portal(world.owner)
    xlsx = browser.get("/sims/export/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert browser.get("/sims/export/pdf/").status_code == 404


# SIM detail


def test_detail_shows_the_three_columns_quotas_and_why_no_data(portal, world, fleet):
    sim = exhaust(fleet.sim)
    online(sim, operator="Vodafone", country="DE", rat="LTE-M")
    page = portal(world.read_only).get(detail_url(sim)).content.decode()
    for text in (sim.iccid, sim.iccid_with_luhn, sim.imsi, f"+{sim.msisdn}", "Truck 1", "Ends on", "Vodafone", "LTE-M"):
        assert text in page
    assert "The data volume is used up." in page and "Exhausted" in page
    assert "Deactivate" not in page and "Reset connection" not in page and ">Edit<" not in page


def test_detail_accepts_the_iccid_with_its_check_digit(portal, world, fleet):
    assert portal(world.owner).get(f"/sims/{fleet.sim.iccid_with_luhn}/").status_code == 200


@pytest.mark.parametrize("whose", ["other_sims", "sub_sims", "stock"])
def test_another_organisations_sim_is_not_found(portal, world, fleet, whose):
    sim = getattr(fleet, whose)[0]
    browser = portal(world.owner)
    before = snapshot()
    assert browser.get(detail_url(sim)).status_code == 404
    assert browser.post(detail_url(sim, "sim_status"), {"status": "Disabled"}).status_code == 404
    assert browser.post(detail_url(sim, "sim_label"), {"label": "Mine"}).status_code == 404
    assert browser.post(detail_url(sim, "sim_reset")).status_code == 404
    assert snapshot() == before


def test_unknown_iccid_is_not_found(portal, world, fleet):
    assert portal(world.owner).get("/sims/12345/").status_code == 404


def test_read_only_may_not_change_a_sim(portal, world, fleet):
    browser = portal(world.read_only)
    before = snapshot()
    assert browser.post(detail_url(fleet.sim, "sim_status"), {"status": "Disabled"}).status_code == 403
    assert browser.post(detail_url(fleet.sim, "sim_reset")).status_code == 403
    assert browser.post(detail_url(fleet.sim, "sim_imei_lock"), {"locked": "1"}).status_code == 403
    assert browser.post(detail_url(fleet.sim, "sim_label"), {"label": "x"}).status_code == 403
    assert browser.get(detail_url(fleet.sim, "sim_label")).status_code == 403
    assert snapshot() == before


def test_user_deactivates_and_activates_a_sim(portal, world, fleet):
    browser = portal(world.user)
    response = browser.post(detail_url(fleet.sim, "sim_status"), {"status": "Disabled"}, follow=True)
    assert "SIM deactivated." in response.content.decode()
    assert Sim.objects.get(pk=fleet.sim.pk).status == SimStatus.DISABLED
    assert "This SIM gets no data right now." in response.content.decode()
    browser.post(detail_url(fleet.sim, "sim_status"), {"status": "Enabled"})
    assert Sim.objects.get(pk=fleet.sim.pk).status == SimStatus.ENABLED


def test_a_bad_status_is_a_message_not_a_change(portal, world, fleet):
    before = snapshot()
    response = portal(world.owner).post(detail_url(fleet.sim, "sim_status"), {"status": "Paused"}, follow=True)
    assert "Choose one of: Enabled, Disabled." in response.content.decode()
    assert snapshot() == before


def test_label_edit_in_place_with_htmx(portal, world, fleet):
    browser = portal(world.owner)
    form = browser.get(detail_url(fleet.sim, "sim_label"), headers=htmx("sim-label")).content.decode()
    assert form.lstrip().startswith('<form id="sim-label"') and 'value="Truck 1"' in form
    saved = browser.post(detail_url(fleet.sim, "sim_label"), {"label": "  Crane 7 "}, headers=htmx("sim-label"))
    assert saved.status_code == 200 and 'data-testid="sim-label">Crane 7<' in saved.content.decode()
    assert '<h1 id="sim-title" hx-swap-oob="true">Crane 7</h1>' in saved.content.decode()  # the heading follows
    assert Sim.objects.get(pk=fleet.sim.pk).label == "Crane 7"
    too_long = browser.post(detail_url(fleet.sim, "sim_label"), {"label": "x" * 101}, headers=htmx("sim-label"))
    assert "at most 100 characters" in too_long.content.decode()
    assert Sim.objects.get(pk=fleet.sim.pk).label == "Crane 7"


def test_label_edit_without_script(portal, world, fleet):
    browser = portal(world.user)
    assert 'name="label"' in browser.get(detail_url(fleet.sim, "sim_label")).content.decode()
    response = browser.post(detail_url(fleet.sim, "sim_label"), {"label": "Gate"})
    assert response.status_code == 302 and response["Location"] == detail_url(fleet.sim)
    assert Sim.objects.get(pk=fleet.sim.pk).label == "Gate"
    refused = browser.post(detail_url(fleet.sim, "sim_label"), {"label": "bad\x07label"})
    assert refused.status_code == 400 and "Control characters are not allowed." in refused.content.decode()


def test_reset_and_imei_lock_record_events(portal, world, fleet):
    browser = portal(world.owner)
    browser.post(detail_url(fleet.sim, "sim_reset"))
    browser.post(detail_url(fleet.sim, "sim_imei_lock"), {"locked": "1"})
    types = list(SimEvent.objects.filter(sim=fleet.sim).values_list("type", flat=True))
    assert SimEventType.CONNECTION_RESET in types and SimEventType.IMEI_LOCK_CHANGED in types
    assert Sim.objects.get(pk=fleet.sim.pk).imei_lock is True
    page = browser.get(detail_url(fleet.sim)).content.decode()
    assert "Connection reset" in page and f"by {world.owner.user.email}" in page


def test_events_and_usage_are_paged_newest_first(portal, world, fleet):
    now = timezone.now()
    for n in range(25):
        services.record_usage(sim_id=fleet.sim.pk, rx=MB, tx=0, at=now - timedelta(days=n))
    browser = portal(world.owner)
    usage = browser.get(detail_url(fleet.sim), {"tab": "usage"}).content.decode()
    assert "Last six months" in usage and "25 MB" in usage
    today, older = timezone.localdate(now), timezone.localdate(now - timedelta(days=5))
    assert usage.index(today.strftime("%d/%m/%Y")) < usage.index(older.strftime("%d/%m/%Y"))
    for _ in range(22):
        services.sim_reset(principal=tenancy.principal_for_membership(world.owner), iccid=fleet.sim.iccid)
    first = browser.get(detail_url(fleet.sim), headers=htmx("sim-log")).content.decode()
    assert first.lstrip().startswith('<section class="card" id="sim-log">') and "Page 1 of 2" in first
    second = browser.get(detail_url(fleet.sim), {"tab": "events", "page": 2}).content.decode()
    assert "Page 2 of 2" in second


# Configuration


def test_configuration_shows_network_settings(portal, world, fleet, settings):
    Sim.objects.filter(pk=fleet.sim.pk).update(ip_address="10.20.30.40")
    page = portal(world.read_only).get("/configuration/").content.decode()
    assert settings.SWITCHBOARD["APN"] in page and settings.SWITCHBOARD["SMSC"] in page
    assert "10.20.30.0/24" in page and "255.255.255.0" in page
    assert "Save limits" not in page and "Lock all SIMs" not in page


def test_limits_are_set_and_removed_with_checkboxes(portal, world, fleet):
    data_step = LimitStep.objects.filter(service="data").first()
    sms_step = LimitStep.objects.filter(service="smsMO").first()
    browser = portal(world.user)
    response = browser.post(
        "/configuration/limits/",
        {"data_limit": "on", "data_limit_id": data_step.pk, "sms_mo_limit_id": sms_step.pk, "sms_mt_limit_id": ""},
    )
    assert response.status_code == 302
    limits = OrganisationLimits.objects.get(organisation_id=world.customer.pk)
    assert (limits.data_id, limits.sms_mo_id, limits.sms_mt_id) == (data_step.pk, None, None)
    page = browser.get("/configuration/").content.decode()
    assert 'name="data_limit" id="id_data_limit" checked' in page
    browser.post("/configuration/limits/", {"data_limit_id": data_step.pk})
    assert OrganisationLimits.objects.get(organisation_id=world.customer.pk).data_id is None


def test_an_unknown_limit_is_refused_in_place(portal, world, fleet):
    before = snapshot()
    response = portal(world.owner).post("/configuration/limits/", {"data_limit": "on", "data_limit_id": 999_999})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert snapshot() == before


def test_imei_lock_for_all_sims_touches_only_own_sims(portal, world, fleet):
    response = portal(world.owner).post("/configuration/imei-lock/", {"locked": "1"}, follow=True)
    assert "IMEI lock is on for all SIMs (3 changed)." in response.content.decode()
    assert set(Sim.objects.filter(organisation_id=world.customer.pk).values_list("imei_lock", flat=True)) == {True}
    assert not Sim.objects.filter(imei_lock=True).exclude(organisation_id=world.customer.pk).exists()


def test_read_only_may_not_change_the_configuration(portal, world, fleet):
    browser = portal(world.read_only)
    before = snapshot()
    step = LimitStep.objects.filter(service="data").first()
    assert browser.post("/configuration/limits/", {"data_limit": "on", "data_limit_id": step.pk}).status_code == 403
    assert browser.post("/configuration/imei-lock/", {"locked": "1"}).status_code == 403
    assert snapshot() == before


# Organisation → SIM transfer


def test_transfer_link_on_the_organisation_page(portal, world, fleet):
    assert "/organisation/sim-transfer/" in portal(world.owner).get("/organisation/").content.decode()
    assert "/organisation/sim-transfer/" not in portal(world.user).get("/organisation/").content.decode()
    assert "/organisation/sim-transfer/" not in portal(world.sub_owner).get("/organisation/").content.decode()


def test_transfer_to_a_sub_organisation_and_back(portal, world, fleet):
    browser = portal(world.owner)
    page = browser.get("/organisation/sim-transfer/").content.decode()
    assert "Acme GmbH (master) · 3 SIMs" in page and "Acme Sub · 2 SIMs" in page
    response = browser.post(
        "/organisation/sim-transfer/",
        {"target_organisation": world.sub.pk, "iccids": f"{fleet.sims[0].iccid}\n{fleet.sims[1].iccid_with_luhn}"},
        follow=True,
    )
    assert "2 SIMs moved." in response.content.decode()
    assert Sim.objects.filter(organisation_id=world.sub.pk).count() == 4
    back = f"{fleet.sub_sims[0].iccid};{fleet.sub_sims[1].iccid}"
    browser.post("/organisation/sim-transfer/", {"target_organisation": world.customer.pk, "iccids": back})
    assert Sim.objects.get(pk=fleet.sub_sims[0].pk).organisation_id == world.customer.pk


def test_transfer_from_an_uploaded_file(portal, world, fleet):
    upload = SimpleUploadedFile("sims.csv", f"ICCID\n{fleet.sims[2].iccid}\n".encode(), content_type="text/csv")
    response = portal(world.owner).post(
        "/organisation/sim-transfer/", {"target_organisation": world.sub.pk, "file": upload}
    )
    assert response.status_code == 302
    assert Sim.objects.get(pk=fleet.sims[2].pk).organisation_id == world.sub.pk


def test_transfer_errors_are_shown_in_place_and_nothing_moves(portal, world, fleet):
    browser = portal(world.owner)
    before = snapshot()
    bad_luhn = fleet.sims[0].iccid + str((int(fleet.sims[0].iccid_with_luhn[-1]) + 1) % 10)
    upload = SimpleUploadedFile("sims.txt", f"{fleet.sims[1].iccid}\n{bad_luhn}\n".encode())
    response = browser.post("/organisation/sim-transfer/", {"target_organisation": world.sub.pk, "file": upload})
    assert response.status_code == 400 and "Line 2: The check digit of ICCID" in response.content.decode()
    foreign = browser.post(
        "/organisation/sim-transfer/",
        {"target_organisation": world.sub.pk, "iccids": f"{fleet.sims[0].iccid}, {fleet.other_sims[0].iccid}"},
    )
    assert foreign.status_code == 400 and f"SIM {fleet.other_sims[0].iccid} not found." in foreign.content.decode()
    empty = browser.post("/organisation/sim-transfer/", {"target_organisation": world.sub.pk})
    assert "Enter ICCIDs or ranges, or upload a file." in empty.content.decode()
    other_tree = browser.post(
        "/organisation/sim-transfer/", {"target_organisation": world.other.pk, "iccids": fleet.sims[0].iccid}
    )
    assert other_tree.status_code == 400 and "Select a valid choice" in other_tree.content.decode()
    assert snapshot() == before


def test_transfer_needs_organisations_manage_and_a_master(portal, world, fleet):
    before = snapshot()
    body = {"target_organisation": world.sub.pk, "iccids": fleet.sim.iccid}
    assert portal(world.user).get("/organisation/sim-transfer/").status_code == 403
    assert portal(world.user).post("/organisation/sim-transfer/", body).status_code == 403
    sub = portal(world.sub_owner)
    assert "transferred by the master organisation" in sub.get("/organisation/sim-transfer/").content.decode()
    assert sub.post("/organisation/sim-transfer/", body).status_code == 403
    assert snapshot() == before


# The operator's SIM inventory


def test_inventory_is_in_the_menu_of_the_operator_only(portal, world, fleet):
    assert 'href="/inventory/"' in portal(fleet.operator_admin).get("/").content.decode()
    assert 'href="/inventory/"' not in portal(world.owner).get("/").content.decode()
    assert portal(world.owner).get("/inventory/").status_code == 404
    assert portal(world.owner).post("/inventory/assign/", {}).status_code == 404


def test_inventory_import_with_progress_and_report(portal, world, fleet, django_capture_on_commit_callbacks):
    content = vendor_csv(900, 3) + b"8988228066600000000;123;;XL\n"
    browser = portal(fleet.operator_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/inventory/imports/", {"file": SimpleUploadedFile("batch.csv", content)})
    job = SimImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inventory/imports/{job.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert 'data-testid="imported">3<' in page and 'data-testid="rejected">1<' in page
    assert "An IMSI has 14 or 15 digits" in page and "Unknown form factor" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling
    inventory = browser.get("/inventory/").content.decode()
    assert "batch.csv" in inventory and 'data-testid="stock-count">6<' in inventory


def test_a_running_import_polls_its_progress(portal, world, fleet):
    job = SimImport.objects.create(
        organisation_id=world.operator.pk,
        created_by="x",
        file_name="big.csv",
        content=b"",
        plan=services.default_plan(),
        total_bytes=1000,
        processed_bytes=250,
        status=SimImport.Status.RUNNING,
    )
    fragment = portal(fleet.operator_admin).get(f"/inventory/imports/{job.pk}/", headers=htmx("import-progress"))
    page = fragment.content.decode()
    assert page.lstrip().startswith('<div id="import-progress"') and 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="25"' in page


def test_inventory_upload_errors_in_place(portal, world, fleet):
    browser = portal(fleet.operator_admin)
    response = browser.post("/inventory/imports/", {"file": SimpleUploadedFile("x.csv", b"serial;number\n1;2\n")})
    assert response.status_code == 400 and "missing: iccid, imsi" in response.content.decode()
    assert not SimImport.objects.exists()


def test_assign_stock_by_range_to_a_customer(portal, world, fleet):
    browser = portal(fleet.operator_admin)
    page = browser.get("/inventory/").content.decode()
    assert "Acme GmbH" in page and "Acme Sub" in page
    low, high = fleet.stock[0].iccid, fleet.stock[1].iccid
    response = browser.post("/inventory/assign/", {"organisation_id": world.customer.pk, "iccids": f"{low};{high}"})
    assert response.status_code == 302
    assigned = Sim.objects.filter(pk__in=[fleet.stock[0].pk, fleet.stock[1].pk])
    assert {(s.organisation_id, s.status) for s in assigned} == {(world.customer.pk, "Enabled")}
    assert Sim.objects.get(pk=fleet.stock[2].pk).organisation_id == world.operator.pk


def test_assign_refusals_in_place(portal, world, fleet):
    browser = portal(fleet.operator_admin)
    before = snapshot()
    foreign = browser.post("/inventory/assign/", {"organisation_id": world.customer.pk, "iccids": fleet.sim.iccid})
    assert foreign.status_code == 400 and f"SIM {fleet.sim.iccid} not found." in foreign.content.decode()
    nobody = browser.post("/inventory/assign/", {"iccids": fleet.stock[0].iccid})
    assert nobody.status_code == 400 and "This field is required." in nobody.content.decode()
    assert snapshot() == before
