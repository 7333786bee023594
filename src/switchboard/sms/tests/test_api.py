from __future__ import annotations

from switchboard.connectivity.models import Sim
from switchboard.sms.models import Sms


def test_native_send_returns_the_message_and_a_retry_with_the_key_the_same(api, world, fleet):
    caller = api(world.client)
    path = f"/api/v1/sims/{fleet.sim.iccid}/sms"
    response = caller.client.post(
        path, {"payload": "Reboot"}, content_type="application/json", headers={**caller.headers, "Idempotency-Key": "a"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["type"], body["parts"], body["iccid"]) == ("PENDING", "MT", 1, fleet.sim.iccid)
    assert response["Location"].endswith(f"{path}/{body['id']}")
    again = caller.client.post(
        path, {"payload": "Reboot"}, content_type="application/json", headers={**caller.headers, "Idempotency-Key": "a"}
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"] and Sms.objects.count() == 1
    listed = caller.call("get", path)
    assert [m["id"] for m in listed.json()] == [body["id"]] and listed["X-Total-Count"] == "1"
    assert caller.call("get", f"{path}/{body['id']}").json()["payload"] == "Reboot"
    cancelled = caller.call("delete", f"{path}/{body['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"


def test_native_refusals_are_json_with_the_field(api, world, fleet):
    caller = api(world.client)
    path = f"/api/v1/sims/{fleet.sim.iccid}/sms"
    bad = caller.call("post", path, json={"payload": "hi", "dcs": 7})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "dcs"
    Sim.objects.filter(pk=fleet.sim.pk).update(sms_remaining=0)
    refused = caller.call("post", path, json={"payload": "hi"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["message"] == "The SMS volume is used up."
    foreign = caller.call("post", f"/api/v1/sims/{fleet.other_sims[0].iccid}/sms", json={"payload": "hi"})
    assert foreign.status_code == 404
    assert not Sms.objects.exists()


def test_bulk_send_reports_each_sim(api, world, fleet):
    caller = api(world.client)
    Sim.objects.filter(pk=fleet.sims[1].pk).update(sms_remaining=0)
    iccids = [fleet.sims[0].iccid, fleet.sims[1].iccid]
    response = caller.call("post", "/api/v1/sms/bulk", json={"iccids": iccids, "payload": "all"})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["refused"]) == (1, 1)
    assert body["results"][1]["error"]["code"] == "sms_refused" and body["results"][0]["sms"]["status"] == "PENDING"
    foreign = caller.call("post", "/api/v1/sms/bulk", json={"iccids": [fleet.other_sims[0].iccid], "payload": "x"})
    assert foreign.status_code == 404 and foreign.json()["errors"][0]["field"] == "iccids[0]"


def test_1nce_v1_send_answers_201_empty_with_location_and_lists_sms_data(api, world, fleet):
    caller = api(world.client)
    base = f"/management-api/v1/sims/{fleet.sim.iccid}/sms"
    response = caller.call("post", base, json={"payload": "test SMS", "source_address": "1234567890"})
    assert response.status_code == 201 and response.content == b""
    sms = Sms.objects.get()
    assert response["Location"].endswith(f"{base}/{sms.pk}")
    listed = caller.call("get", base, pageSize=10)
    item = listed.json()[0]
    assert item["status"] == {"id": 2, "description": "PENDING"} and item["sms_type"] == {"id": 1, "description": "MT"}
    assert item["retry_count"] == "0" and item["submit_date"].endswith("+0000") and item["iccid"] == fleet.sim.iccid
    assert caller.call("get", f"{base}/{sms.pk}").json()["payload"] == "test SMS"
    assert caller.call("delete", f"{base}/{sms.pk}").status_code == 200
    assert caller.call("get", base, pageSize=101).status_code == 400


def test_1nce_v2_send_answers_the_id_and_limits_use_1nce_words(api, world, fleet, limit_sms):
    caller = api(world.client)
    base = f"/management-api/v2/sims/{fleet.sim.iccid}/sms"
    created = caller.call("post", base, json={"payload": "v2"})
    assert created.status_code == 201 and created.json() == {"id": str(Sms.objects.get().pk)}
    item = caller.call("get", base, per_page=20).json()[0]
    assert item["endpoint"]["name"] == fleet.sim.iccid and item["retry_count"] == 0
    limit_sms("smsMT", 10)
    Sim.objects.filter(pk=fleet.sim.pk).update(month_sms_mt=10)
    refused = caller.call("post", base, json={"payload": "over"})
    assert refused.status_code == 409
    assert refused.json()["message"] == "Traffic limit of 10 SMS per month exceeded"
    other = caller.call("get", f"/management-api/v2/sims/{fleet.other_sims[0].iccid}/sms")
    assert other.status_code == 404
