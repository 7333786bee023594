"""The native SIM API (/api/v1/sims..., /inventory...): shapes, filters, writes, refusals and tenant isolation."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from switchboard.connectivity.contracts import MB, QuotaStatus, SimEventType, SimStatus
from switchboard.connectivity.models import DailyUsage, LimitStep, MonthlyUsage, OrganisationLimits, Sim, SimEvent
from switchboard.tenancy.tests import factories as tenancy_factories

from .factories import online

BASE = "/api/v1"


def get(caller, path: str, **params):
    return caller.client.get(BASE + path, params, headers=caller.headers)


def send(caller, method: str, path: str, body=None):
    return getattr(caller.client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=caller.headers,
    )


def upload(caller, path: str, name: str, content: bytes, **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **fields}
    return caller.client.post(BASE + path, data, headers=caller.headers)


def iccids(response) -> list[str]:
    return [s["iccid"] for s in response.json()]


def refused(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


def snapshot() -> list[tuple]:
    return list(Sim.objects.order_by("pk").values_list("organisation_id", "status", "label", "imei_lock"))


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def owner(api, world):
    return api(world.owner)


@pytest.fixture
def robot(api, world):
    """The customer's API client, authenticated with a real bearer token."""
    return api(world.client)


# --- the list ------------------------------------------------------------------------------------------------------


def test_list_shows_only_the_organisations_sims_with_totals(robot, fleet):
    response = get(robot, "/sims")
    assert response.status_code == 200
    assert iccids(response) == sorted(s.iccid for s in fleet.sims)
    assert response["X-Total-Count"] == "3"
    assert response["X-Total-Pages"] == "1"
    first = response.json()[0]
    assert first["data_quota"]["remaining"] == 500 * MB
    assert first["sms_quota"]["total"] == 250
    assert first["connectivity"] == "OFFLINE"


def test_search_matches_number_prefixes_and_label_parts(robot, fleet):
    sim = fleet.sims[1]
    assert iccids(get(robot, "/sims", search="Truck 2")) == [sim.iccid]
    assert iccids(get(robot, "/sims", search="ruck 2")) == [sim.iccid]
    assert iccids(get(robot, "/sims", search=sim.iccid)) == [sim.iccid]
    assert iccids(get(robot, "/sims", search=sim.iccid_with_luhn)) == [sim.iccid]
    assert iccids(get(robot, "/sims", search=sim.imsi)) == [sim.iccid]
    assert iccids(get(robot, "/sims", search=sim.msisdn)) == [sim.iccid]
    for shared_prefix in (sim.iccid[:12], sim.imsi[:8], sim.msisdn[:7]):  # every SIM has it; we see ours only
        assert iccids(get(robot, "/sims", search=shared_prefix)) == [s.iccid for s in fleet.sims]
    assert get(robot, "/sims", search="Foreign").json() == []


def test_filters_on_status_volume_group_connectivity_and_identifiers(robot, fleet):
    idle, exhausted, busy = fleet.sims
    Sim.objects.filter(pk=idle.pk).update(status=SimStatus.DISABLED, imei="356938035643809", ip_address="10.8.0.7")
    Sim.objects.filter(pk=exhausted.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    Sim.objects.filter(pk=busy.pk).update(sms_remaining=10, sms_status=QuotaStatus.LOW)
    online(busy)
    assert iccids(get(robot, "/sims", status="Disabled")) == [idle.iccid]
    assert iccids(get(robot, "/sims", data_group="exhausted")) == [exhausted.iccid]
    assert iccids(get(robot, "/sims", sms_group="low")) == [busy.iccid]
    assert len(get(robot, "/sims", data_group="available").json()) == 2
    assert iccids(get(robot, "/sims", connectivity="ONLINE")) == [busy.iccid]
    assert get(robot, "/sims", connectivity="ONLINE").json()[0]["connectivity"] == "ONLINE"
    assert iccids(get(robot, "/sims", connectivity="OFFLINE")) == [idle.iccid, exhausted.iccid]
    assert iccids(get(robot, "/sims", iccid=busy.iccid_with_luhn)) == [busy.iccid]
    assert iccids(get(robot, "/sims", imei="356938035643809")) == [idle.iccid]
    assert iccids(get(robot, "/sims", ip_address="10.8.0.7")) == [idle.iccid]
    assert iccids(get(robot, "/sims", label="uck 3")) == [busy.iccid]
    assert iccids(get(robot, "/sims", msisdn="+" + exhausted.msisdn)) == [exhausted.iccid]
    assert get(robot, "/sims", iccid=fleet.other_sims[0].iccid).json() == []


def test_sort_and_paging(robot, fleet):
    assert [s["label"] for s in get(robot, "/sims", sort="-label").json()] == ["Truck 3", "Truck 2", "Truck 1"]
    Sim.objects.filter(pk=fleet.sims[2].pk).update(data_remaining=MB)
    assert iccids(get(robot, "/sims", sort="current_quota,iccid"))[0] == fleet.sims[2].iccid
    page = get(robot, "/sims", page=2, size=2)
    assert iccids(page) == [fleet.sims[2].iccid]
    assert (page["X-Total-Count"], page["X-Total-Pages"], page["X-Current-Page"]) == ("3", "2", "2")
    assert get(robot, "/sims", page=5, size=2).json() == []
    assert len(get(robot, "/sims", size=500).json()) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": 501}, "size"),
        ({"size": 0}, "size"),
        ({"page": 0}, "page"),
        ({"sort": "colour"}, "sort"),
        ({"status": "Paused"}, "status"),
        ({"data_group": "half"}, "data_group"),
        ({"connectivity": "SLEEPING"}, "connectivity"),
        ({"ip_address": "10.0.0.999"}, "ip_address"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(robot, fleet, params, field):
    refused(get(robot, "/sims", **params), 422, field)


# --- one SIM -------------------------------------------------------------------------------------------------------


def test_detail_has_quotas_lifetime_connectivity_and_month_use(robot, fleet):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(
        data_remaining=50 * MB,
        data_status=QuotaStatus.LOW,
        usage_month=timezone.localdate().replace(day=1),
        month_data=7 * MB,
        month_sms_mo=2,
    )
    online(sim, operator="Vodafone", rat="LTE-M")
    body = get(robot, f"/sims/{sim.iccid_with_luhn}").json()
    assert body["iccid"] == sim.iccid and body["iccid_with_luhn"] == sim.iccid_with_luhn
    assert body["data_quota"] | {"threshold_reached_at": None} == {
        "remaining": 50 * MB,
        "total": 500 * MB,
        "last_added": 500 * MB,
        "percent_left": 10,
        "status": "low",
        "threshold_percent": 20,
        "expiry_date": body["lifetime_end"],
        "threshold_reached_at": None,
        "exhausted_at": None,
    }
    assert body["sms_quota"]["percent_left"] == 100
    assert body["plan"] == "Standard"
    assert body["lifetime"]["end"] == body["lifetime_end"]
    assert 0 < body["lifetime"]["elapsed_percent"] < 5
    assert 3600 < body["lifetime"]["remaining_days"] < 3660
    assert body["connectivity"] == "ONLINE"
    assert body["connectivity_info"]["operator"] == "Vodafone"
    assert body["connectivity_info"]["rat"] == "LTE-M"
    assert body["connectivity_info"]["country"] == "DE"
    assert body["data_blocker"] is None
    assert body["month_usage"] == {"data": 7 * MB, "sms_mo": 2, "sms_mt": 0}
    assert get(robot, f"/sims/{sim.iccid}").json()["iccid"] == sim.iccid


def test_detail_says_why_a_sim_gets_no_data(robot, fleet):
    Sim.objects.filter(pk=fleet.sim.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    assert get(robot, f"/sims/{fleet.sim.iccid}").json()["data_blocker"] == "QUOTA_EXHAUSTED"
    offline = get(robot, f"/sims/{fleet.sims[1].iccid}").json()
    assert offline["connectivity_info"]["status"] == "OFFLINE"
    Sim.objects.filter(pk=fleet.sims[1].pk).update(status=SimStatus.DISABLED)
    assert get(robot, f"/sims/{fleet.sims[1].iccid}").json()["data_blocker"] == "DATA_SERVICE_BARRED"


@pytest.mark.parametrize("key", ["8988228000000000000", "89882280000000000001", "abc"])
def test_unknown_or_malformed_iccid_is_404(robot, fleet, key):
    refused(get(robot, f"/sims/{key}"), 404, "iccid")


def test_patch_changes_only_what_was_sent(robot, fleet):
    sim = fleet.sim
    response = send(robot, "patch", f"/sims/{sim.iccid}", {"label": "Crane 7"})
    assert response.status_code == 200, response.content
    assert (response.json()["label"], response.json()["status"], response.json()["imei_lock"]) == (
        "Crane 7",
        "Enabled",
        False,
    )
    response = send(robot, "patch", f"/sims/{sim.iccid_with_luhn}", {"status": "Disabled", "imei_lock": True})
    assert (response.json()["label"], response.json()["status"], response.json()["imei_lock"]) == (
        "Crane 7",
        "Disabled",
        True,
    )
    assert response.json()["data_blocker"] == "DATA_SERVICE_BARRED"
    types = set(SimEvent.objects.filter(sim=sim).values_list("type", flat=True))
    assert types == {SimEventType.LABEL_CHANGED, SimEventType.STATUS_CHANGED, SimEventType.IMEI_LOCK_CHANGED}
    assert send(robot, "patch", f"/sims/{sim.iccid}", {"label": ""}).json()["label"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "Paused"}, "status"),
        ({"label": "x" * 101}, "label"),
        ({"label": "Tab\there"}, "label"),
        ({"label": "ok", "imei_lock": "sometimes"}, "imei_lock"),
    ],
)
def test_patch_refuses_bad_values_and_changes_nothing(robot, fleet, body, field):
    before = snapshot()
    refused(send(robot, "patch", f"/sims/{fleet.sim.iccid}", body), 422, field)
    assert snapshot() == before
    assert not SimEvent.objects.exists()


# --- bulk actions --------------------------------------------------------------------------------------------------


def test_bulk_disable_enable_label_prefix_and_imei_lock(robot, fleet):
    chosen = [fleet.sims[0].iccid, fleet.sims[1].iccid_with_luhn]
    response = send(robot, "post", "/sims/bulk", {"action": "disable", "iccids": chosen})
    assert response.json() == {"action": "disable", "count": 2}
    assert list(Sim.objects.filter(organisation_id=fleet.sim.organisation_id).values_list("status", flat=True)) == [
        "Disabled",
        "Disabled",
        "Enabled",
    ]
    send(robot, "post", "/sims/bulk", {"action": "enable", "iccids": chosen})
    assert set(Sim.objects.filter(pk__in=[s.pk for s in fleet.sims]).values_list("status", flat=True)) == {"Enabled"}
    send(robot, "post", "/sims/bulk", {"action": "label_prefix", "iccids": chosen, "prefix": "Berlin"})
    assert [s["label"] for s in get(robot, "/sims").json()] == ["Berlin-001", "Berlin-002", "Truck 3"]
    send(robot, "post", "/sims/bulk", {"action": "imei_lock", "iccids": chosen})
    assert [s["imei_lock"] for s in get(robot, "/sims").json()] == [True, True, False]
    send(robot, "post", "/sims/bulk", {"action": "imei_unlock", "iccids": chosen[:1]})
    assert [s["imei_lock"] for s in get(robot, "/sims").json()] == [False, True, False]


def test_bulk_is_all_or_nothing_naming_the_unknown_iccid(robot, fleet):
    foreign = fleet.other_sims[0].iccid
    before = snapshot()
    body = refused(
        send(robot, "post", "/sims/bulk", {"action": "disable", "iccids": [fleet.sim.iccid, foreign]}), 404, "iccids"
    )
    assert foreign in body["message"]
    assert snapshot() == before
    assert not SimEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "explode", "iccids": ["x"]}, "action"),
        ({"action": "disable", "iccids": []}, "iccids"),
        ({"action": "disable", "iccids": ["8988228000000000001"] * 1001}, "iccids"),
        ({"action": "disable", "iccids": "ICCIDS"}, "iccids"),
        ({"action": "disable", "iccids": ["ICCID"]}, "iccids"),
    ],
)
def test_bad_bulk_requests_are_4xx_naming_the_field(robot, fleet, body, field):
    before = snapshot()
    response = send(robot, "post", "/sims/bulk", body)
    assert response.status_code in (404, 422)
    refused(response, response.status_code, field)
    assert snapshot() == before


def test_label_prefix_needs_a_prefix(robot, fleet):
    before = snapshot()
    refused(send(robot, "post", "/sims/bulk", {"action": "label_prefix", "iccids": [fleet.sim.iccid]}), 422, "prefix")
    assert snapshot() == before


def test_imei_lock_for_all_sims_of_the_organisation(robot, fleet):
    response = send(robot, "put", "/sims/imei-lock", {"locked": True})
    assert response.json() == {"locked": True, "changed": 3}
    assert all(s["imei_lock"] for s in get(robot, "/sims").json())
    assert not Sim.objects.filter(imei_lock=True).exclude(pk__in=[s.pk for s in fleet.sims]).exists()
    assert send(robot, "put", "/sims/imei-lock", {"locked": True}).json()["changed"] == 0
    refused(send(robot, "put", "/sims/imei-lock", {}), 422, "locked")


# --- reset, events, usage ------------------------------------------------------------------------------------------


def test_reset_is_accepted_and_recorded_as_an_event(robot, fleet):
    online(fleet.sim)
    response = send(robot, "post", f"/sims/{fleet.sim.iccid_with_luhn}/reset")
    assert response.status_code == 202
    assert response.json() == {"iccid": fleet.sim.iccid, "iccid_with_luhn": fleet.sim.iccid_with_luhn}
    event = SimEvent.objects.get(sim=fleet.sim)
    assert event.type == SimEventType.CONNECTION_RESET
    assert event.detail["requested_by"]
    listed = get(robot, f"/sims/{fleet.sim.iccid}/events").json()
    assert listed[0] | {"timestamp": None, "id": None} == {
        "id": None,
        "timestamp": None,
        "type": 13,
        "code": "connection_reset",
        "description": "Connection reset",
        "alert": False,
        "detail": event.detail,
    }


def test_events_are_paged_newest_first(robot, fleet):
    now = timezone.now()
    for minutes, event_type in enumerate([SimEventType.ATTACH, SimEventType.PDP_CONTEXT_REFUSED, SimEventType.DETACH]):
        SimEvent.objects.create(
            sim=fleet.sim,
            organisation_id=fleet.sim.organisation_id,
            type=event_type,
            timestamp=now + timedelta(minutes=minutes),
            alert=event_type is SimEventType.PDP_CONTEXT_REFUSED,
            description=event_type.description,
            detail={"cause": "QUOTA_EXHAUSTED"} if event_type is SimEventType.PDP_CONTEXT_REFUSED else {},
        )
    first = get(robot, f"/sims/{fleet.sim.iccid}/events", size=2)
    assert [e["code"] for e in first.json()] == ["detach", "pdp_context_refused"]
    assert first.json()[1]["alert"] is True and first.json()[1]["detail"] == {"cause": "QUOTA_EXHAUSTED"}
    assert first["X-Total-Count"] == "3"
    assert [e["code"] for e in get(robot, f"/sims/{fleet.sim.iccid}/events", page=2, size=2).json()] == ["attach"]
    refused(get(robot, f"/sims/{fleet.sim.iccid}/events", size=501), 422, "size")


def _usage(sim, days_ago: int, rx: int, tx: int, mo: int = 0, mt: int = 0) -> None:
    DailyUsage.objects.create(
        sim=sim,
        organisation_id=sim.organisation_id,
        date=timezone.localdate() - timedelta(days=days_ago),
        data_rx=rx,
        data_tx=tx,
        sms_mo=mo,
        sms_mt=mt,
    )


def test_daily_usage_in_bytes_newest_first(robot, fleet):
    today = timezone.localdate()
    _usage(fleet.sim, 0, 1_000, 200, mo=1)
    _usage(fleet.sim, 3, 5_000_000, 1, mt=2)
    _usage(fleet.sim, 40, 9, 9)
    start = (today - timedelta(days=5)).isoformat()
    rows = get(robot, f"/sims/{fleet.sim.iccid}/usage", start=start, end=today.isoformat()).json()
    assert rows == [
        {
            "date": today.isoformat(),
            "data_rx": 1_000,
            "data_tx": 200,
            "data": 1_200,
            "sms_mo": 1,
            "sms_mt": 0,
            "sms": 1,
        },
        {
            "date": (today - timedelta(days=3)).isoformat(),
            "data_rx": 5_000_000,
            "data_tx": 1,
            "data": 5_000_001,
            "sms_mo": 0,
            "sms_mt": 2,
            "sms": 2,
        },
    ]
    everything = get(robot, f"/sims/{fleet.sim.iccid}/usage", start=(today - timedelta(days=60)).isoformat())
    assert len(everything.json()) == 3
    refused(get(robot, f"/sims/{fleet.sim.iccid}/usage", start=today.isoformat(), end=start), 422, "end")
    refused(get(robot, f"/sims/{fleet.sim.iccid}/usage", start="yesterday"), 422, "start")


# --- bulk reads ----------------------------------------------------------------------------------------------------


def test_quotas_of_many_sims_leave_out_what_is_not_ours(robot, fleet):
    Sim.objects.filter(pk=fleet.sims[1].pk).update(sms_remaining=0, sms_status=QuotaStatus.EXHAUSTED)
    asked = [s.iccid_with_luhn for s in fleet.sims] + [fleet.other_sims[0].iccid, "garbage", fleet.stock[0].iccid]
    response = send(robot, "post", "/sims/quotas", {"iccids": asked})
    assert response.status_code == 200
    assert iccids(response) == [s.iccid for s in fleet.sims]
    second = response.json()[1]
    assert second["sms_quota"]["status"] == "exhausted" and second["sms_quota"]["remaining"] == 0
    assert second["data_quota"]["remaining"] == 500 * MB


@pytest.mark.parametrize("path", ["/sims/quotas", "/sims/usage"])
def test_bulk_reads_take_at_most_1000_iccids(robot, fleet, path):
    refused(send(robot, "post", path, {"iccids": [fleet.sim.iccid] * 1001}), 422, "iccids")
    refused(send(robot, "post", path, {"iccids": []}), 422, "iccids")


def test_usage_totals_of_many_sims(robot, fleet):
    _usage(fleet.sims[0], 0, 100, 20, mo=3)
    _usage(fleet.sims[0], 1, 1_000, 0, mt=1)
    _usage(fleet.other_sims[0], 0, 7, 7)
    asked = [fleet.sims[0].iccid, fleet.sims[1].iccid, fleet.other_sims[0].iccid]
    start = (timezone.localdate() - timedelta(days=2)).isoformat()
    totals = send(robot, "post", "/sims/usage", {"iccids": asked, "start": start}).json()
    assert totals == [
        {
            "iccid": fleet.sims[0].iccid,
            "data_rx": 1_100,
            "data_tx": 20,
            "data": 1_120,
            "sms_mo": 3,
            "sms_mt": 1,
            "sms": 4,
        },
        {"iccid": fleet.sims[1].iccid, "data_rx": 0, "data_tx": 0, "data": 0, "sms_mo": 0, "sms_mt": 0, "sms": 0},
    ]


# --- export --------------------------------------------------------------------------------------------------------


def test_csv_export_streams_only_our_sims(robot, fleet):
    response = get(robot, "/sims/export", format="csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(streamed(response).decode("utf-8-sig"))))
    assert rows[0][:3] == ["ICCID", "ICCID with Luhn", "IMSI"]
    assert [r[0] for r in rows[1:]] == [s.iccid for s in fleet.sims]
    assert rows[1][5] == "Truck 1" and rows[1][8] == "500.000000"
    filtered = list(csv.reader(io.StringIO(streamed(get(robot, "/sims/export", search="Truck 2")).decode("utf-8-sig"))))
    assert [r[0] for r in filtered[1:]] == [fleet.sims[1].iccid]


def test_xlsx_export_opens_in_openpyxl(robot, fleet):
    response = get(robot, "/sims/export", format="xlsx", sort="-label")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(streamed(response)), read_only=True)["SIMs"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "ICCID"
    assert [(r[0], r[5]) for r in rows[1:]] == [(s.iccid, s.label) for s in reversed(fleet.sims)]


def test_export_in_an_unknown_format_is_json_422(robot, fleet):
    refused(get(robot, "/sims/export", format="pdf"), 422, "format")


# --- dashboard, limits, network ------------------------------------------------------------------------------------


def test_dashboard_groups_and_six_months(robot, world, fleet):
    Sim.objects.filter(pk=fleet.sims[0].pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    Sim.objects.filter(pk=fleet.sims[1].pk).update(sms_remaining=1, sms_status=QuotaStatus.LOW)
    month = timezone.localdate().replace(day=1)
    MonthlyUsage.objects.create(organisation_id=world.customer.pk, month=month, data_rx=3 * MB, data_tx=MB, sms_mo=4)
    MonthlyUsage.objects.create(organisation_id=world.other.pk, month=month, data_rx=99 * MB)
    board = get(robot, "/dashboard").json()
    assert board["total"] == 3
    assert board["data_groups"] == {"available": 2, "low": 0, "exhausted": 1}
    assert board["sms_groups"] == {"available": 2, "low": 1, "exhausted": 0}
    assert len(board["months"]) == 6
    assert board["months"][-1] == {"month": month.isoformat(), "data": 4 * MB, "sms_mo": 4, "sms_mt": 0}
    assert all(m["data"] == 0 for m in board["months"][:-1])


def test_limits_set_shown_and_removed(robot, world, fleet):
    data = LimitStep.objects.get(service="data", amount=50 * MB)
    sms_mo = LimitStep.objects.get(service="smsMO", amount=10)
    steps = get(robot, "/limit-steps", service="data").json()
    assert {"id": data.pk, "service": "data", "amount": 50 * MB, "shown": "50 MB"} in steps
    assert {s["service"] for s in steps} == {"data"}
    assert get(robot, "/limits").json() == {"data": None, "sms_mo": None, "sms_mt": None}
    chosen = send(robot, "put", "/limits", {"data_limit_id": data.pk, "sms_mo_limit_id": sms_mo.pk}).json()
    assert chosen["data"]["amount"] == 50 * MB and chosen["sms_mo"]["shown"] == "10 SMS" and chosen["sms_mt"] is None
    assert get(robot, "/limits").json() == chosen
    assert send(robot, "put", "/limits", {"data_limit_id": None, "sms_mo_limit_id": sms_mo.pk}).json()["data"] is None
    assert OrganisationLimits.objects.get(organisation_id=world.customer.pk).data is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data_limit_id": 999_999}, "data_limit_id"),
        ({"sms_mt_limit_id": "many"}, "sms_mt_limit_id"),
        ("sms_step_for_data", "data_limit_id"),
    ],
)
def test_limits_refuse_steps_not_offered(robot, world, fleet, body, field):
    if body == "sms_step_for_data":
        body = {"data_limit_id": LimitStep.objects.filter(service="smsMO").first().pk}
    refused(send(robot, "put", "/limits", body), 422, field)
    assert not OrganisationLimits.objects.exists()


def test_limit_steps_refuse_an_unknown_service(robot, fleet):
    refused(get(robot, "/limit-steps", service="voice"), 422, "service")


def test_network_settings(robot, fleet, settings):
    Sim.objects.filter(pk=fleet.sim.pk).update(ip_address="10.20.30.40")
    Sim.objects.filter(pk=fleet.other_sims[0].pk).update(ip_address="10.99.0.1")
    body = get(robot, "/network-settings").json()
    assert body["apn"] == settings.SWITCHBOARD["APN"] and body["smsc"] == settings.SWITCHBOARD["SMSC"]
    assert body["ip_ranges"] == [
        {"network": "10.20.30.0/24", "address": "10.20.30.0", "netmask": "255.255.255.0", "prefix_length": 24}
    ]


# --- transfer ------------------------------------------------------------------------------------------------------


def organisations(sims) -> list[int]:
    return list(
        Sim.objects.filter(pk__in=[s.pk for s in sims]).order_by("iccid").values_list("organisation_id", flat=True)
    )


def test_transfer_to_the_sub_organisation_and_back(owner, world, fleet):
    moved = send(
        owner,
        "post",
        "/sims/transfer",
        {
            "target_organisation": world.sub.pk,
            "iccids": [fleet.sims[0].iccid_with_luhn],
            "iccid_ranges": [{"from": fleet.sims[1].iccid, "to": fleet.sims[2].iccid}],
        },
    )
    assert moved.json() == {"target_organisation": world.sub.pk, "transferred": 3}
    assert organisations(fleet.sims) == [world.sub.pk] * 3
    assert get(owner, "/sims").json() == []
    back = send(owner, "post", "/sims/transfer", {"target_organisation": None, "iccids": [fleet.sims[0].iccid]})
    assert back.json() == {"target_organisation": world.customer.pk, "transferred": 1}
    assert organisations(fleet.sims) == [world.customer.pk, world.sub.pk, world.sub.pk]
    assert SimEvent.objects.filter(type=SimEventType.TRANSFERRED).count() == 4


def test_transfer_refuses_sub_to_sub_other_trees_and_sub_organisations_moving_nothing(api, owner, world, fleet):
    sibling = tenancy_factories.OrganisationFactory(parent=world.customer, kind="sub_organisation")
    before = snapshot()
    sub_to_sub = {"target_organisation": sibling.pk, "iccids": [fleet.sub_sims[0].iccid]}
    refused(send(owner, "post", "/sims/transfer", sub_to_sub), 403, "iccids")
    to_other_tree = {"target_organisation": world.other.pk, "iccids": [fleet.sim.iccid]}
    refused(send(owner, "post", "/sims/transfer", to_other_tree), 404, "target_organisation")
    from_other_tree = {"target_organisation": world.sub.pk, "iccids": [fleet.sim.iccid, fleet.other_sims[0].iccid]}
    body = refused(send(owner, "post", "/sims/transfer", from_other_tree), 404, "iccids")
    assert fleet.other_sims[0].iccid in body["message"]
    refused(send(api(world.sub_owner), "post", "/sims/transfer", {"iccids": [fleet.sub_sims[0].iccid]}), 403, None)
    refused(send(owner, "post", "/sims/transfer", {"target_organisation": world.sub.pk}), 422, "iccids")
    bad_range = {"iccid_ranges": [{"from": fleet.sims[2].iccid, "to": fleet.sims[0].iccid}]}
    refused(
        send(owner, "post", "/sims/transfer", {"target_organisation": world.sub.pk, **bad_range}), 422, "iccid_ranges"
    )
    assert snapshot() == before


def test_transfer_from_an_uploaded_list(owner, world, fleet):
    content = f"ICCID\n{fleet.sims[0].iccid_with_luhn}\n{fleet.sims[1].iccid};{fleet.sims[2].iccid}\n".encode()
    response = upload(owner, "/sims/transfer/file", "sims.txt", content, target_organisation=world.sub.pk)
    assert response.status_code == 200, response.content
    assert response.json()["transferred"] == 3
    assert organisations(fleet.sims) == [world.sub.pk] * 3
    back = upload(owner, "/sims/transfer/file", "back.csv", f"{fleet.sims[0].iccid},{fleet.sims[1].iccid}".encode())
    assert back.json() == {"target_organisation": world.customer.pk, "transferred": 2}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"89882280000000000001\n", "file:1"),
        (b"8988228000000000000\nnot-an-iccid\n", "file:2"),
        (b"\xff\xfe\x00garbage", "file"),
    ],
)
def test_bad_uploaded_lists_name_the_line_and_move_nothing(owner, world, fleet, content, field):
    before = snapshot()
    refused(upload(owner, "/sims/transfer/file", "x.txt", content, target_organisation=world.sub.pk), 422, field)
    assert snapshot() == before


def test_upload_without_a_file_is_422(owner, fleet):
    response = owner.client.post(BASE + "/sims/transfer/file", {})
    assert response.status_code == 422
    assert response.json()["field"] == "file"


# --- inventory -----------------------------------------------------------------------------------------------------


@pytest.fixture
def staff(api, fleet):
    return api(fleet.operator_admin)


VENDOR_CSV = (
    "ICCID;IMSI;MSISDN;Form factor\n"
    "89490200001234567890;901405100099001;882285100099001;4FF\n"  # not a valid check digit → rejected
    "8949020000123456789;901405100099002;882285100099002;2FF/3FF/4FF\n"
    "8949020000123456780;901405100099003;;MFF2\n"
    "8949020000123456789;901405100099004;;4FF\n"  # the same ICCID again → rejected
)


def test_import_queues_then_reports_rows_and_rejections_with_line_numbers(
    staff, fleet, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff, "/inventory/imports", "vendor.csv", VENDOR_CSV.encode())
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["file_name"] == "vendor.csv"
    job = get(staff, f"/inventory/imports/{queued['id']}").json()
    assert job["status"] == "done"
    assert (job["rows"], job["imported"], job["rejected_count"], job["percent"]) == (4, 2, 2, 100)
    assert job["processed_bytes"] == job["total_bytes"] == len(VENDOR_CSV.encode())
    assert [r["line"] for r in job["rejected"]] == [2, 5]
    assert job["rejected"][0]["errors"][0]["field"] == "iccid"
    assert job["rejected"][1]["errors"][0]["field"] == "iccid"
    stock = Sim.objects.filter(iccid__in=["8949020000123456789", "8949020000123456780"])
    assert set(stock.values_list("organisation_id", "status")) == {(fleet.operator_admin.organisation_id, "Disabled")}
    listed = get(staff, "/inventory/imports")
    assert [j["id"] for j in listed.json()] == [queued["id"]] and listed["X-Total-Count"] == "1"
    assert "rejected" not in listed.json()[0]


def test_import_refuses_a_file_without_the_columns(staff, fleet):
    refused(upload(staff, "/inventory/imports", "x.csv", b"number,phone\n1,2\n"), 422, "file")
    refused(upload(staff, "/inventory/imports", "x.csv", b"iccid,imsi\n", plan_id=999_999), 422, "plan_id")
    assert get(staff, "/inventory/imports").json() == []


def test_customers_cannot_use_the_inventory(owner, robot, fleet):
    refused(upload(owner, "/inventory/imports", "vendor.csv", VENDOR_CSV.encode()), 403, None)
    refused(get(robot, "/inventory/imports"), 403, None)
    refused(get(robot, "/inventory/plans"), 403, None)
    body = {"iccids": [fleet.stock[0].iccid], "organisation_id": fleet.sim.organisation_id}
    refused(send(owner, "post", "/inventory/assign", body), 403, None)
    assert Sim.objects.get(pk=fleet.stock[0].pk).activation_date is None


def test_plans_for_the_import(staff, fleet):
    plans = get(staff, "/inventory/plans").json()
    assert [(p["name"], p["data_bytes"], p["sms"], p["lifetime_months"], p["is_default"]) for p in plans] == [
        ("Standard", 500 * MB, 250, 120, True)
    ]


def test_assign_from_stock_activates_the_sims_for_the_customer(staff, robot, world, fleet):
    chosen = [fleet.stock[0].iccid, fleet.stock[1].iccid_with_luhn]
    response = send(staff, "post", "/inventory/assign", {"iccids": chosen, "organisation_id": world.customer.pk})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "organisation_id": world.customer.pk,
        "assigned": 2,
        "iccids": [fleet.stock[0].iccid, fleet.stock[1].iccid],
    }
    sim = get(robot, f"/sims/{fleet.stock[0].iccid}").json()
    assert sim["status"] == "Enabled" and sim["activation_date"]
    assert sim["data_quota"]["remaining"] == 500 * MB and sim["sms_quota"]["remaining"] == 250
    assert sim["lifetime"]["remaining_days"] >= 3650
    assert len(get(robot, "/sims").json()) == 5


def test_assign_refuses_unknown_foreign_or_unfit_targets_and_sims_not_in_stock(staff, world, fleet):
    foreign_operator = tenancy_factories.OperatorFactory(company_name="Rival Telecom")
    foreign_customer = tenancy_factories.OrganisationFactory(parent=foreign_operator)
    before = snapshot()
    stock = [fleet.stock[0].iccid]
    refused(
        send(staff, "post", "/inventory/assign", {"iccids": stock, "organisation_id": 999_999}), 404, "organisation_id"
    )
    for target in (foreign_operator.pk, foreign_customer.pk):
        refused(
            send(staff, "post", "/inventory/assign", {"iccids": stock, "organisation_id": target}),
            404,
            "organisation_id",
        )
    not_in_stock = {"iccids": [*stock, fleet.sim.iccid], "organisation_id": world.customer.pk}
    body = refused(send(staff, "post", "/inventory/assign", not_in_stock), 404, "iccids")
    assert fleet.sim.iccid in body["message"]
    assert snapshot() == before


# --- who may -------------------------------------------------------------------------------------------------------


def test_another_customer_sees_none_of_our_sims(api, world, fleet):
    other = api(world.other_client)
    sim = fleet.sim.iccid
    assert iccids(get(other, "/sims")) == sorted(s.iccid for s in fleet.other_sims)
    for path in (f"/sims/{sim}", f"/sims/{sim}/events", f"/sims/{sim}/usage"):
        refused(get(other, path), 404, "iccid")
    before = snapshot()
    refused(send(other, "patch", f"/sims/{sim}", {"label": "Mine"}), 404, "iccid")
    refused(send(other, "post", f"/sims/{sim}/reset"), 404, "iccid")
    assert send(other, "post", "/sims/quotas", {"iccids": [sim]}).json() == []
    assert send(other, "post", "/sims/usage", {"iccids": [sim]}).json() == []
    assert get(other, "/dashboard").json()["total"] == 2
    exported = streamed(get(other, "/sims/export")).decode()
    assert sim not in exported and fleet.other_sims[0].iccid in exported
    assert snapshot() == before
    assert not SimEvent.objects.exists()


def test_read_only_members_read_but_do_not_change(api, world, fleet):
    reader = api(world.read_only)
    assert len(get(reader, "/sims").json()) == 3
    before = snapshot()
    refused(send(reader, "patch", f"/sims/{fleet.sim.iccid}", {"label": "No"}), 403, None)
    refused(send(reader, "put", "/sims/imei-lock", {"locked": True}), 403, None)
    assert snapshot() == before


def test_anonymous_callers_get_401(api, fleet):
    anonymous = api(None)
    for response in (
        get(anonymous, "/sims"),
        get(anonymous, "/sims/export"),
        send(anonymous, "post", "/sims/bulk", {}),
    ):
        refused(response, 401, None)
