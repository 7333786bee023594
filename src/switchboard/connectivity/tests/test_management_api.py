"""The 1NCE-compatible Management API: every success shape against the 1NCE OpenAPI specs, 1NCE's observed
conventions (paging headers, omitted values, string volumes, quota dates), the writes, and tenant isolation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from switchboard.connectivity import services
from switchboard.connectivity.contracts import MB, FailureCause, SessionInfo, SimEventType
from switchboard.connectivity.models import DailyUsage, OrganisationLimits, Sim, SimEvent
from switchboard.connectivity.tests.factories import online
from switchboard.events.models import AuditEntry, OutboxEvent
from switchboard.tenancy import services as tenancy_services
from switchboard.tenancy.tests import factories as tenancy_factories
from switchboard.testing import logged_in
from switchboard.testing.openapi import V1, V2, assert_component, assert_matches

V1_QUIRKS = {"formats": False, "undeclared": ("iso_code",)}  # the real v1: non-ISO dates, `iso_code`
QUOTA_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
V1_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
CELL = {"type": 0, "mcc": "262", "mnc": "01", "lac": 53113, "ci": 46261}


@pytest.fixture
def mgmt(api, world):
    """The customer's API client on the Management API."""
    caller = api(world.client)

    def call(method: str, path: str, body=None, **params):
        return caller.call(method, "/management-api" + path, json=body, **params)

    return call


@pytest.fixture
def foreign(api, world):
    """Another customer's API client."""
    caller = api(world.other_client)

    def call(method: str, path: str, body=None, **params):
        return caller.call(method, "/management-api" + path, json=body, **params)

    return call


def state() -> str:
    """Everything a refused call must leave as it was."""
    tables = (Sim, SimEvent, OrganisationLimits, AuditEntry, OutboxEvent)
    return json.dumps({m.__name__: list(m.objects.order_by("pk").values()) for m in tables}, default=str)


def nulls(value, path="") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


# SIMs: list, detail, paging, filters


def test_v1_list_matches_the_spec_with_paging_headers(mgmt, fleet):
    response = mgmt("get", "/v1/sims")
    body = assert_matches(response, V1, "/v1/sims", **V1_QUIRKS)
    assert [s["label"] for s in body] == ["Truck 1", "Truck 2", "Truck 3"]
    assert (response["X-Total-Count"], response["X-Total-Pages"]) == ("3", "1")
    assert (response["X-Current-Page"], response["X-Count-Per-Page"]) == ("1", "10")
    first = body[0]
    assert first["iccid"] == fleet.sim.iccid and first["iccid_with_luhn"] == fleet.sim.iccid_with_luhn
    assert first["status"] == "Enabled" and first["current_quota"] == 500 and first["current_quota_SMS"] == 250
    assert first["quota_status"] == {"id": 0, "description": "More than 20% available"}
    assert V1_TIMESTAMP.match(first["activation_date"])


def test_v2_list_and_detail_match_the_v2_spec(mgmt, fleet):
    body = assert_matches(mgmt("get", "/v2/sims"), V2, "/v2/sims")
    assert len(body) == 3
    sim = assert_matches(mgmt("get", f"/v2/sims/{fleet.sim.iccid}"), V2, "/v2/sims/{iccid}")
    assert sim == body[0]


def test_detail_by_either_iccid_form_and_unknown_values_left_out(mgmt, fleet):
    Sim.objects.filter(pk=fleet.sim.pk).update(label="", imei="", ip_address=None, imsi_2=None)
    short = assert_matches(mgmt("get", f"/v1/sims/{fleet.sim.iccid}"), V1, "/v1/sims/{iccid}", **V1_QUIRKS)
    long = mgmt("get", f"/v1/sims/{fleet.sim.iccid_with_luhn}").json()
    assert short == long
    assert not {"label", "imei", "ip_address", "imsi_2"} & set(short)
    assert nulls(short) == []
    Sim.objects.filter(pk=fleet.sim.pk).update(imei="358240051111110", ip_address="10.64.0.7", label="Gate")
    shown = mgmt("get", f"/v1/sims/{fleet.sim.iccid}").json()
    assert (shown["imei"], shown["ip_address"], shown["label"]) == ("358240051111110", "10.64.0.7", "Gate")


def test_quota_status_dates_appear_once_reached(mgmt, fleet):
    at = timezone.now()
    Sim.objects.filter(pk=fleet.sim.pk).update(
        data_remaining=0, data_status=2, data_threshold_at=at, data_exhausted_at=at
    )
    sim = assert_matches(mgmt("get", f"/v1/sims/{fleet.sim.iccid}"), V1, "/v1/sims/{iccid}", **V1_QUIRKS)
    status = sim["quota_status"]
    assert status["id"] == 2 and sim["current_quota"] == 0
    assert V1_TIMESTAMP.match(status["threshold_reached_date"]) and V1_TIMESTAMP.match(status["quota_exceeded_date"])


def test_empty_list_still_has_one_page(mgmt, world):
    response = mgmt("get", "/v1/sims")
    assert response.status_code == 200 and response.json() == []
    assert response["X-Total-Count"] == "0" and response["X-Total-Pages"] == "1"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_paging_and_a_page_past_the_end(mgmt, fleet, version):
    response = mgmt("get", f"/{version}/sims", page=2, pageSize=2)
    assert [s["label"] for s in response.json()] == ["Truck 3"]
    assert response["X-Total-Count"] == "3" and response["X-Total-Pages"] == "2"
    assert response["X-Current-Page"] == "2" and response["X-Count-Per-Page"] == "2"
    beyond = mgmt("get", f"/{version}/sims", page=7, pageSize=2)
    assert beyond.status_code == 200 and beyond.json() == []
    assert beyond["X-Total-Pages"] == "2"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 101}, "pageSize"),
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"page": 0}, "page"),
        ({"q": "colour:red"}, "q"),
        ({"q": "ip_address:10.0.0"}, "ip_address"),
        ({"sort": "-colour"}, "sort"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_the_field(mgmt, fleet, params, field):
    response = mgmt("get", "/v1/sims", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["error_token"] == "BadRequest" and body["error_code"] == 400 and body["field"] == field
    assert body["message"]


def test_q_filters_by_each_field(mgmt, fleet):
    first, second, third = fleet.sims
    Sim.objects.filter(pk=first.pk).update(imei="358240051111110", ip_address="10.64.0.7")
    Sim.objects.filter(pk=third.pk).update(label="Truck 3, Berlin")

    def found(q: str) -> list[str]:
        response = mgmt("get", "/v1/sims", q=q)
        assert response.status_code == 200, response.content
        return [s["iccid"] for s in response.json()]

    assert found("imei:358240051111110") == [first.iccid]
    assert found("ip_address:10.64.0.7,imei:358240051111110") == [first.iccid]
    assert found("ip_address:10.64.0.8") == []
    assert found(f"iccid:{second.iccid_with_luhn}") == [second.iccid]
    assert found(f"imsi:{third.imsi}") == [third.iccid]
    assert found(f"msisdn:{second.msisdn}") == [second.iccid]
    assert found("label:truck") == [first.iccid, second.iccid, third.iccid]
    assert found("label:3, Berlin") == [third.iccid]


def test_sort_ascending_and_descending(mgmt, fleet):
    assert [s["label"] for s in mgmt("get", "/v1/sims", sort="-label").json()] == ["Truck 3", "Truck 2", "Truck 1"]
    Sim.objects.filter(pk=fleet.sims[1].pk).update(imei="358240051111110")
    by_imei = [s["iccid"] for s in mgmt("get", "/v2/sims", sort="-imei,iccid").json()]
    assert by_imei[0] == fleet.sims[1].iccid


# Writes on SIMs


def test_partial_put_changes_only_what_it_names(mgmt, fleet):
    sim = fleet.sim
    response = mgmt("put", f"/v1/sims/{sim.iccid}", {"label": "Gate 7"})
    assert_matches(response, V1, "/v1/sims/{iccid}")
    assert response.status_code == 200 and response.content == b""
    sim.refresh_from_db()
    assert (sim.label, sim.status, sim.imei_lock) == ("Gate 7", "Enabled", False)
    assert mgmt("put", f"/v1/sims/{sim.iccid}", {}).status_code == 200
    assert mgmt("put", f"/v1/sims/{sim.iccid}").status_code == 200
    sim.refresh_from_db()
    assert sim.label == "Gate 7"
    response = mgmt("put", f"/v2/sims/{sim.iccid}", {"status": "Disabled", "imei_lock": True, "iccid": sim.iccid})
    assert_matches(response, V2, "/v2/sims/{iccid}")
    sim.refresh_from_db()
    assert (sim.label, sim.status, sim.imei_lock) == ("Gate 7", "Disabled", True)
    assert SimEvent.objects.filter(sim=sim, type=SimEventType.STATUS_CHANGED).count() == 1


def test_put_accepts_json_with_a_charset(api, world, fleet):
    caller = api(world.client)
    response = caller.client.put(
        f"/management-api/v1/sims/{fleet.sim.iccid}",
        data=json.dumps({"label": "Charset"}),
        content_type="application/json;charset=UTF-8",
        headers=caller.headers,
    )
    assert response.status_code == 200
    fleet.sim.refresh_from_db()
    assert fleet.sim.label == "Charset"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "Activated"}, "status"),
        ({"label": "x" * 101}, "label"),
        ({"label": 42}, "label"),
        ({"imei_lock": "perhaps"}, "imei_lock"),
        ({"iccid": "8988228000000999999", "label": "x"}, "iccid"),
    ],
)
def test_bad_put_is_a_400_naming_the_field_and_changes_nothing(mgmt, fleet, body, field):
    before = state()
    response = mgmt("put", f"/v2/sims/{fleet.sim.iccid}", body)
    error = assert_matches(response, V2, "/v2/sims/{iccid}", strict=False)
    assert error["error_token"] == "BadRequest" and error["field"] == field
    assert state() == before


def test_bulk_post_is_all_or_nothing(mgmt, fleet):
    first, second, _third = fleet.sims
    before = state()
    response = mgmt("post", "/v1/sims", [{"iccid": first.iccid, "label": "A"}, {"iccid": second.iccid, "status": "On"}])
    assert response.status_code == 400 and response.json()["field"] == "items[1].status"
    response = mgmt("post", "/v1/sims", [{"iccid": first.iccid, "label": "A"}, {"label": "no iccid"}])
    assert response.status_code == 400 and response.json()["field"] == "items[1].iccid"
    assert state() == before
    response = mgmt("post", "/v1/sims", [{"iccid": first.iccid, "label": "A"}, {"iccid": second.iccid_with_luhn}])
    assert_matches(response, V1, "/v1/sims")
    assert response.status_code == 201 and response.content == b""
    assert mgmt("post", "/v1/sims", []).status_code == 201
    assert [s.label for s in Sim.objects.filter(pk__in=[first.pk, second.pk]).order_by("iccid")] == ["A", "Truck 2"]


def test_bulk_post_with_another_customers_sim_changes_nothing(mgmt, fleet):
    before = state()
    items = [{"iccid": fleet.sim.iccid, "label": "A"}, {"iccid": fleet.other_sims[0].iccid, "label": "B"}]
    response = mgmt("post", "/v1/sims", items)
    assert response.status_code == 404 and response.json()["error_token"] == "NotFound"
    assert state() == before


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_reset_is_queued_as_an_event(mgmt, fleet, version):
    response = mgmt("post", f"/{version}/sims/{fleet.sim.iccid}/reset")
    assert_matches(response, V1 if version == "v1" else V2, f"/{version}/sims/{{iccid}}/reset")
    assert response.status_code == 201 and response.content == b""
    assert SimEvent.objects.filter(sim=fleet.sim, type=SimEventType.CONNECTION_RESET).count() == 1


# Usage and quotas


def test_usage_rows_newest_first_with_string_volumes_and_a_total(mgmt, fleet):
    today = timezone.localdate()
    DailyUsage.objects.create(
        sim=fleet.sim, organisation_id=fleet.sim.organisation_id, date=today, data_rx=1_500_000, data_tx=250_000
    )
    DailyUsage.objects.create(
        sim=fleet.sim, organisation_id=fleet.sim.organisation_id, date=today - timedelta(days=2), data_rx=2, sms_mo=3
    )
    start = (today - timedelta(days=3)).isoformat()
    response = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/usage", start_dt=start, end_dt=today.isoformat())
    stats = assert_matches(response, V1, "/v1/sims/{iccid}/usage", **V1_QUIRKS)["stats"]
    assert [row["date"] for row in stats] == [
        today.isoformat(),
        (today - timedelta(days=1)).isoformat(),
        (today - timedelta(days=2)).isoformat(),
        start,
        "TOTAL",
    ]
    assert stats[0]["data"] == {"volume": "1.75", "volume_tx": "0.25", "volume_rx": "1.5"}
    assert stats[1]["data"]["volume"] == "0" and stats[1]["sms"]["volume"] == "0"
    assert stats[2]["data"]["volume_rx"] == "0.000002" and stats[2]["sms"] == {
        "volume": "3",
        "volume_tx": "0",
        "volume_rx": "3",
    }
    assert stats[-1]["data"] == {"volume": "1.750002", "volume_tx": "0.25", "volume_rx": "1.500002"}
    assert stats[-1]["sms"]["volume"] == "3"
    assert not {"cost", "currency", "traffic_type"} & set(stats[0]["data"])


def test_usage_by_default_runs_from_the_first_of_the_month(mgmt, fleet):
    stats = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/usage").json()["stats"]
    today = timezone.localdate()
    assert stats[0]["date"] == today.isoformat() and stats[-2]["date"] == today.replace(day=1).isoformat()
    assert len(stats) == today.day + 1


@pytest.mark.parametrize(("start", "end"), [("2000", "1998"), ("2024-05-10", "2024-05-01"), ("yesterday", "")])
def test_nonsense_usage_dates_give_only_the_total_row(mgmt, fleet, start, end):
    response = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/usage", start_dt=start, end_dt=end)
    assert response.status_code == 200
    assert [row["date"] for row in response.json()["stats"]] == ["TOTAL"]


def test_v1_quotas_in_megabytes_and_messages_with_1nce_dates(mgmt, fleet):
    Sim.objects.filter(pk=fleet.sim.pk).update(data_remaining=479_949_998, sms_remaining=240)
    data = assert_matches(mgmt("get", f"/v1/sims/{fleet.sim.iccid}/quota/data"), V1, "/v1/sims/{iccid}/quota/data")
    assert data["volume"] == 479.949998 and data["total_volume"] == 500 and data["last_volume_added"] == 500
    assert data["threshold_percentage"] == 20 and data["peak_throughput"] > 0
    assert QUOTA_DATE.match(data["expiry_date"]) and QUOTA_DATE.match(data["last_status_change_date"])
    expiry = datetime.strptime(data["expiry_date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(expiry - fleet.sim.lifetime_end) < timedelta(seconds=1)
    sms = assert_matches(mgmt("get", f"/v1/sims/{fleet.sim.iccid}/quota/sms"), V1, "/v1/sims/{iccid}/quota/sms")
    assert sms["volume"] == 240 and sms["total_volume"] == 250 and "peak_throughput" not in sms


def test_v2_quotas_with_their_status(mgmt, fleet):
    data = assert_matches(mgmt("get", f"/v2/sims/{fleet.sim.iccid}/quota/data"), V2, "/v2/sims/{iccid}/quota/data")
    assert data["status"] == {"id": 1, "description": "ACTIVE"} and data["service"] == "data"
    assert data["volume"] == 500 and data["threshold_volume"] == 100
    Sim.objects.filter(pk=fleet.sim.pk).update(sms_remaining=0)
    sms = assert_matches(mgmt("get", f"/v2/sims/{fleet.sim.iccid}/quota/sms"), V2, "/v2/sims/{iccid}/quota/sms")
    assert sms["status"] == {"id": 0, "description": "EXHAUSTED"} and sms["service"] == "sms"
    Sim.objects.filter(pk=fleet.sim.pk).update(lifetime_end=timezone.now() - timedelta(days=1))
    expired = mgmt("get", f"/v2/sims/{fleet.sim.iccid}/quota/data").json()
    assert expired["status"] == {"id": 2, "description": "EXPIRED"}


# Connectivity


def test_v1_status_offline_attached_online(mgmt, fleet):
    path = f"/v1/sims/{fleet.sim.iccid}/status"
    offline = assert_matches(mgmt("get", path), V1, "/v1/sims/{iccid}/status", **V1_QUIRKS)
    assert offline == {"status": "OFFLINE", "services": []}
    online(fleet.sim, status="ATTACHED", location=CELL, ip_address=None)
    attached = assert_matches(mgmt("get", path), V1, "/v1/sims/{iccid}/status", **V1_QUIRKS)
    assert attached["status"] == "ATTACHED" and "pdp_context" not in attached and attached["services"] == ["GPRS"]
    location = attached["location"]
    assert location["iccid"] == fleet.sim.iccid and QUOTA_DATE.match(location["last_updated"])
    assert location["country"] == {
        "country_id": "276",
        "name": "Germany",
        "country_code": "49",
        "mcc": "262",
        "iso_code": "de",
    }
    assert location["operator"] == {
        "id": "26201",
        "name": "Telekom",
        "country": {"id": "276", "name": "Germany", "iso_code": "de"},
    }
    online(fleet.sim, location=CELL, ip_address="10.64.0.9", session_id="s-1", rat="LTE-M")
    context = assert_matches(mgmt("get", path), V1, "/v1/sims/{iccid}/status", **V1_QUIRKS)["pdp_context"]
    assert context["ue_ip_address"] == "10.64.0.9" and context["pdp_context_id"] == "s-1"
    assert (context["lac"], context["ci"]) == ("53113", "46261")
    assert context["rat_type"] == {"rat_type_id": "9", "description": "4G"}
    assert re.match(r"^\d{2}:\d{2}:\d{2}$", context["duration"])


def test_v2_status_with_pdp_contexts(mgmt, fleet):
    path = f"/v2/sims/{fleet.sim.iccid}/status"
    offline = assert_matches(mgmt("get", path), V2, "/v2/sims/{iccid}/status")
    assert offline["status"] == {"description": "OFFLINE"} and offline["pdp_contexts"] == []
    online(fleet.sim, location={"type": 130, "mcc": "262", "mnc": "01", "tac": 1, "eci": 266}, ip_address="10.64.0.9")
    body = assert_matches(mgmt("get", path), V2, "/v2/sims/{iccid}/status")
    assert body["status"] == {"description": "ONLINE"}
    assert body["data_traffic_limit_state"] == {"description": "NOT_REACHED"}
    assert body["location"]["operator"] == {
        "id": 26201,
        "name": "Telekom",
        "mnc": "01",
        "country": {"id": 276, "name": "Germany", "iso_code": "de"},
    }
    (context,) = body["pdp_contexts"]
    assert context["ue_ip_address"] == "10.64.0.9" and context["imsi"] == fleet.sim.imsi
    assert context["rat_type"] == {"rat_type_id": "6", "description": "4G"}
    assert context["gtp_v2_uli"] == {"tac": "1", "eci": "266"}


def test_v2_status_blocked_and_monthly_limit_reached(mgmt, fleet):
    steps = mgmt("get", "/v1/sims/data/limits").json()
    assert mgmt("post", "/v1/sims/limits", {"dataLimitId": steps[0]["id"]}).status_code == 201
    Sim.objects.filter(pk=fleet.sim.pk).update(
        status="Disabled", usage_month=timezone.localdate().replace(day=1), month_data=2 * MB
    )
    body = assert_matches(mgmt("get", f"/v2/sims/{fleet.sim.iccid}/status"), V2, "/v2/sims/{iccid}/status")
    assert body["status"] == {"description": "BLOCKED"}
    assert body["data_traffic_limit_state"] == {"description": "REACHED"}


def test_connectivity_info_from_the_stored_state(mgmt, fleet):
    path = f"/v1/sims/{fleet.sim.iccid}/connectivity_info"
    spec_path = "/v1/sims/{iccid}/connectivity_info"
    offline = assert_matches(mgmt("get", path), V1, spec_path, **V1_QUIRKS)
    assert offline["subscriber_info"]["success"] is False
    assert V1_TIMESTAMP.match(offline["request_timestamp"]) and V1_TIMESTAMP.match(offline["reply_timestamp"])
    online(fleet.sim, location=CELL, last_updated=timezone.now() - timedelta(minutes=5))
    info = assert_matches(mgmt("get", path), V1, spec_path, **V1_QUIRKS)["subscriber_info"]
    assert info["success"] is True and info["location"]["age_of_location"] == 5
    assert info["location"]["cell_global_id"] == {"cid": 46261, "lac": 53113, "mcc": "262", "mnc": "01"}
    both = assert_matches(mgmt("get", path, subscriber="false", ussd="true"), V1, spec_path, **V1_QUIRKS)
    assert "subscriber_info" not in both and both["ussd_info"]["success"] is False


# Events


def test_v1_events_envelope_paging_and_order(mgmt, fleet):
    for label in ("A", "B", "C"):
        mgmt("put", f"/v1/sims/{fleet.sim.iccid}", {"label": label})
    response = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/events", pageSize=2)
    body = assert_matches(response, V1, "/v1/sims/{iccid}/events", **V1_QUIRKS)
    assert body["totalEvents"] == 3 and body["totalPages"] == 2
    assert response["X-Total-Count"] == "3" and response["X-Total-Pages"] == "2"
    assert [e["event_type"] for e in body["events"]] == [
        "Label changed from 'B' to 'C'",
        "Label changed from 'A' to 'B'",
    ]
    event = body["events"][0]
    assert event["iccid"] == fleet.sim.iccid and event["event_severity"] == "Info" and event["alert"] is False
    assert V1_TIMESTAMP.match(event["timestamp"])
    oldest = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/events", sort="timestamp").json()["events"]
    assert oldest[0]["event_type"] == "Label changed from 'Truck 1' to 'A'"
    beyond = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/events", page=5, pageSize=2).json()
    assert beyond["events"] == [] and beyond["totalPages"] == 2


@pytest.mark.parametrize(("params", "field"), [({"pageSize": 1001}, "pageSize"), ({"sort": "operator"}, "sort")])
def test_bad_event_parameters(mgmt, fleet, params, field):
    response = mgmt("get", f"/v1/sims/{fleet.sim.iccid}/events", **params)
    assert response.status_code == 400 and response.json()["field"] == field


def test_v2_events_are_typed_and_say_why_data_was_refused(mgmt, fleet):
    sim = fleet.sim
    info = SessionInfo(operator="Telekom", mcc="262", mnc="01", country="DE", rat="4G", ip_address="10.64.0.9")
    services.record_session_start(sim_id=sim.pk, info=info)
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0)
    refused = services.authorize_data_session(imsi=sim.imsi, apn="iot.switchboard.net")
    assert refused.cause is FailureCause.QUOTA_EXHAUSTED
    events = assert_matches(mgmt("get", f"/v2/sims/{sim.iccid}/events"), V2, "/v2/sims/{iccid}/events")
    by_type = {e["event_type"]["id"]: e for e in events}
    refusal = by_type[SimEventType.PDP_CONTEXT_REFUSED]
    assert refusal["detail"]["data_service_failure_cause"] == "QUOTA_EXHAUSTED"
    assert refusal["alert"] is True and refusal["event_severity"] == {"id": 1, "description": "WARN"}
    assert refusal["organisation"] == {"id": sim.organisation_id, "name": "Acme GmbH"}
    assert refusal["sim"]["iccid"] == sim.iccid and refusal["imsi"] == {"id": sim.pk, "imsi": sim.imsi}
    attach = by_type[SimEventType.ATTACH]
    assert attach["event_source"] == {"id": 0, "description": "Network"}
    assert attach["detail"]["name"] == "Telekom" and attach["detail"]["country"]["iso_code"] == "de"
    created = by_type[SimEventType.PDP_CONTEXT_CREATED]["detail"]
    assert created["pdp_context"]["ue_ip_address"] == "10.64.0.9" and "data_service_failure_cause" not in created


def test_v2_quota_event_detail(mgmt, fleet):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(data_remaining=101 * MB)
    services.record_usage(sim_id=sim.pk, rx=2 * MB, tx=0)
    events = assert_matches(mgmt("get", f"/v2/sims/{sim.iccid}/events"), V2, "/v2/sims/{iccid}/events")
    (threshold,) = [e for e in events if e["event_type"]["id"] == SimEventType.QUOTA_THRESHOLD_REACHED]
    assert threshold["detail"]["quota"] == {
        "volume": 99,
        "total_volume": 500,
        "threshold": {"percentage": 20, "volume": 100},
    }
    assert threshold["event_source"]["description"] == "Policy Control"


# Limits, transfer, extension


def test_limits_round_trip(mgmt, fleet):
    options = mgmt("get", "/v1/sims/data/limits").json()
    sms = mgmt("get", "/v1/sims/smsMO/limits").json()
    for option in options:  # the spec declares the global limits object here; the options are a list
        assert_component(option, V1, "CurrentLimitData")
    for option in sms:
        assert_component(option, V1, "CurrentLimitSMS")
    assert options[0] == {"id": options[0]["id"], "limit": "1", "unit": "MB"}
    assert {o["unit"] for o in sms} == {"SMS"}
    assert mgmt("get", "/v1/sims/limits").json() == {}
    data_step = next(o for o in options if o["limit"] == "50")
    response = mgmt("post", "/v1/sims/limits", {"dataLimitId": data_step["id"], "smsMoLimitId": sms[0]["id"]})
    assert_matches(response, V1, "/v1/sims/limits")
    assert response.status_code == 201
    chosen = assert_matches(mgmt("get", "/v1/sims/limits"), V1, "/v1/sims/limits")
    assert chosen == {"data": data_step, "smsMo": sms[0]}
    assert mgmt("post", "/v1/sims/limits", {"dataLimitId": None}).status_code == 201
    assert mgmt("get", "/v1/sims/limits").json() == {"smsMo": sms[0]}


@pytest.mark.parametrize(
    ("body", "field"), [({"dataLimitId": 999_999}, "dataLimitId"), ({"smsMtLimitId": "many"}, "smsMtLimitId")]
)
def test_bad_limits_are_refused_naming_the_field(mgmt, fleet, body, field):
    before = state()
    response = mgmt("post", "/v1/sims/limits", body)
    assert response.status_code == 400 and response.json()["field"] == field
    assert state() == before


def test_limits_of_an_unknown_service_do_not_exist(mgmt, world):
    assert mgmt("get", "/v1/sims/voice/limits").status_code == 404


def test_transfer_to_the_sub_organisation_and_back(mgmt, world, fleet):
    first, second, third = fleet.sims
    response = mgmt("post", "/v1/sims/simTransfer", {"target_organisation": world.sub.pk, "iccids": [first.iccid]})
    assert_matches(response, V1, "/v1/sims/simTransfer")
    assert response.status_code == 201
    body = {
        "target_organisation": world.sub.customer_number,
        "iccid_ranges": [{"from": second.iccid, "to": third.iccid}],
    }
    assert mgmt("post", "/v1/sims/simTransfer", body).status_code == 201
    assert set(Sim.objects.filter(organisation_id=world.sub.pk).values_list("pk", flat=True)) >= {
        first.pk,
        second.pk,
        third.pk,
    }
    assert mgmt("get", "/v1/sims").json() == []
    back = mgmt("post", "/v1/sims/simTransfer", {"iccids": [first.iccid_with_luhn]})
    assert back.status_code == 201
    assert [s["iccid"] for s in mgmt("get", "/v1/sims").json()] == [first.iccid]


def test_transfer_with_another_customers_sim_moves_nothing(mgmt, world, fleet):
    before = state()
    body = {"target_organisation": world.sub.pk, "iccids": [fleet.sim.iccid, fleet.other_sims[0].iccid]}
    response = mgmt("post", "/v1/sims/simTransfer", body)
    assert response.status_code == 404 and response.json()["field"] == "iccids"
    for target in (world.other.pk, world.other.customer_number, "nobody"):
        response = mgmt("post", "/v1/sims/simTransfer", {"target_organisation": target, "iccids": [fleet.sim.iccid]})
        assert response.status_code == 404 and response.json()["field"] == "target_organisation"
    assert state() == before


def test_a_sub_organisation_cannot_transfer(api, world, fleet):
    sub_client = api(tenancy_factories.api_client(world.sub))
    before = state()
    body = {"target_organisation": world.customer.pk, "iccids": [fleet.sub_sims[0].iccid]}
    response = sub_client.call("post", "/management-api/v1/sims/simTransfer", json=body)
    assert response.status_code == 403 and response.json()["error_token"] == "Forbidden"
    assert state() == before


# Tenancy, authentication, errors

SIM_ROUTES = [
    ("get", "/v1/sims/{iccid}", None),
    ("put", "/v1/sims/{iccid}", {"label": "mine now"}),
    ("get", "/v1/sims/{iccid}/status", None),
    ("get", "/v1/sims/{iccid}/connectivity_info", None),
    ("post", "/v1/sims/{iccid}/reset", None),
    ("get", "/v1/sims/{iccid}/events", None),
    ("get", "/v1/sims/{iccid}/usage", None),
    ("get", "/v1/sims/{iccid}/quota/data", None),
    ("get", "/v1/sims/{iccid}/quota/sms", None),
    ("post", "/v1/sims", [{"iccid": "{iccid}", "label": "mine now"}]),
    ("post", "/v1/sims/simTransfer", {"iccids": ["{iccid}"]}),
    ("post", "/v1/sims/extension", {"iccids": ["{iccid}"]}),
    ("get", "/v2/sims/{iccid}", None),
    ("put", "/v2/sims/{iccid}", {"status": "Disabled"}),
    ("post", "/v2/sims/{iccid}/reset", None),
    ("get", "/v2/sims/{iccid}/status", None),
    ("get", "/v2/sims/{iccid}/events", None),
    ("get", "/v2/sims/{iccid}/quota/data", None),
    ("get", "/v2/sims/{iccid}/quota/sms", None),
]
OTHER_ROUTES = [
    ("get", "/v1/sims", None),
    ("get", "/v2/sims", None),
    ("get", "/v1/sims/limits", None),
    ("post", "/v1/sims/limits", {"dataLimitId": None}),
    ("get", "/v1/sims/data/limits", None),
]


def _fill(body, iccid: str):
    return json.loads(json.dumps(body).replace("{iccid}", iccid)) if body is not None else None


@pytest.mark.parametrize(("method", "path", "body"), SIM_ROUTES, ids=[f"{m} {p}" for m, p, _ in SIM_ROUTES])
def test_another_customers_client_gets_404_and_changes_nothing(foreign, fleet, method, path, body):
    before = state()
    response = foreign(method, path.format(iccid=fleet.sim.iccid), _fill(body, fleet.sim.iccid))
    assert response.status_code == 404, response.content
    error = response.json()
    assert error["error_code"] == 404 and error["error_token"] == "NotFound" and error["message"]
    assert state() == before


@pytest.mark.parametrize(("method", "path", "body"), SIM_ROUTES, ids=[f"{m} {p}" for m, p, _ in SIM_ROUTES])
def test_unknown_iccid_is_a_v2_style_404(mgmt, fleet, method, path, body):
    unknown = "8988228000000999999"
    response = mgmt(method, path.format(iccid=unknown), _fill(body, unknown))
    if path.startswith("/v2/"):
        error = assert_matches(response, V2, path, strict=False)
    else:
        assert response.status_code == 404
        error = response.json()
    assert error["error_token"] == "NotFound" and error["field"] in ("iccid", "iccids")


def test_lists_show_only_the_callers_sims(foreign, fleet):
    for version in ("v1", "v2"):
        shown = {s["iccid"] for s in foreign("get", f"/{version}/sims").json()}
        assert shown == {s.iccid for s in fleet.other_sims}
        assert foreign("get", f"/{version}/sims", q=f"iccid:{fleet.sim.iccid}").json() == []


def test_limits_are_per_organisation(mgmt, foreign, fleet):
    step = mgmt("get", "/v1/sims/data/limits").json()[0]
    mgmt("post", "/v1/sims/limits", {"dataLimitId": step["id"]})
    assert foreign("get", "/v1/sims/limits").json() == {}


ALL_ROUTES = SIM_ROUTES + OTHER_ROUTES


@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES, ids=[f"{m} {p}" for m, p, _ in ALL_ROUTES])
def test_anonymous_gets_a_json_401(client, fleet, method, path, body):
    before = state()
    response = getattr(client, method)(
        "/management-api" + path.format(iccid=fleet.sim.iccid),
        data=json.dumps(_fill(body, fleet.sim.iccid)) if body is not None else None,
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["error_token"] == "Unauthorized"
    assert state() == before


@pytest.mark.parametrize("token", ["garbage", ""])
def test_a_bad_token_is_a_401(client, fleet, token):
    response = client.get("/management-api/v1/sims", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_portal_sessions_are_not_accepted(world, fleet):
    browser = logged_in(world.owner)
    assert browser.get("/api/v1/me").status_code == 200  # the native API does take them
    response = browser.get("/management-api/v1/sims")
    assert response.status_code == 401 and response.json()["error_token"] == "Unauthorized"


def test_a_revoked_client_is_refused(api, world, fleet):
    caller = api(world.client)
    assert caller.call("get", "/management-api/v1/sims").status_code == 200
    tenancy_services.api_client_revoke(
        principal=tenancy_factories.principal(world.owner), api_client_id=world.client.pk
    )
    response = caller.call("get", "/management-api/v1/sims")
    assert response.status_code == 401 and response.json()["error_token"] == "Unauthorized"


def test_the_rate_limit_answers_a_json_429(mgmt, world, settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "API_RATE": "2/m"}
    assert [mgmt("get", "/v1/sims").status_code for _ in range(2)] == [200, 200]
    response = mgmt("get", "/v1/sims")
    assert response.status_code == 429 and response.json()["error_token"] == "TooManyRequests"
    assert int(response["Retry-After"]) > 0


def test_a_body_that_is_not_json_is_a_400(api, world, fleet):
    caller = api(world.client)
    response = caller.client.put(
        f"/management-api/v1/sims/{fleet.sim.iccid}",
        data="{oops",
        content_type="application/json",
        headers=caller.headers,
    )
    assert response.status_code == 400 and response.json()["error_token"] == "BadRequest"


def test_the_token_endpoint_still_answers_in_1nce_shape(client, world):
    response = client.post(
        "/management-api/oauth/token", {"grant_type": "client_credentials"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errorCode"] == "AuthValidationError"


def test_the_spec_check_catches_misspelt_keys_wrong_types_and_bad_dates():
    assert_component({"volume": 1.5, "expiry_date": "2031-11-26T00:00:00Z"}, V2, "SimsQuota")
    for wrong in ({"volum": 1}, {"volume": "1"}, {"expiry_date": "2031-11-26 00:00:00"}):
        with pytest.raises(AssertionError):
            assert_component(wrong, V2, "SimsQuota")
    with pytest.raises(AssertionError):  # `iso_code` is the real v1 name, allowed only where asked for
        assert_component({"location": {"country": {"iso_code": "de"}}}, V1, "Connectivity")
    assert_component({"location": {"country": {"iso_code": "de"}}}, V1, "Connectivity", undeclared=("iso_code",))


@pytest.mark.parametrize("path", ["/v1/sims", "/v2/sims", "/v1/sims/{iccid}/events", "/v2/sims/{iccid}/events"])
def test_an_absurd_page_number_is_an_empty_page(mgmt, fleet, path):
    response = mgmt("get", path.format(iccid=fleet.sim.iccid), page="99999999999999999999")
    assert response.status_code == 200
    body = response.json()
    assert (body["events"] if path.startswith("/v1/sims/{iccid}") else body) == []
