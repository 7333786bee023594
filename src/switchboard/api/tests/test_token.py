"""The 1NCE-compatible token endpoint in the variants real clients send, and bearer-token failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from switchboard.tenancy import services
from switchboard.tenancy.tests import factories as f
from switchboard.testing import basic, token_for

URL = "/management-api/oauth/token"


def test_json_body_gives_a_1nce_shaped_token(client, world):
    response = client.post(
        URL,
        {"grant_type": "client_credentials"},
        content_type="application/json",
        headers=basic(world.client.client_id, world.secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status_code", "access_token", "token_type", "expires_in", "userId", "scope"}
    assert body["status_code"] == 200 and body["token_type"] == "bearer" and body["scope"] == "all"
    assert body["expires_in"] == 3600 and body["userId"] == world.client.client_id


def test_form_body(client, world):
    response = client.post(
        URL,
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=basic(world.client.client_id, world.secret),
    )
    assert response.status_code == 200


def test_query_string_with_empty_form_body(client, world):
    response = client.post(
        f"{URL}?grant_type=client_credentials",
        "",
        content_type="application/x-www-form-urlencoded",
        headers=basic(world.client.client_id, world.secret),
    )
    assert response.status_code == 200


def test_client_secret_in_the_form_body(client, world):
    response = client.post(
        URL, {"grant_type": "client_credentials", "client_id": world.client.client_id, "client_secret": world.secret}
    )
    assert response.status_code == 200


def test_wrong_secret_is_a_400_bad_credentials(client, world):
    response = client.post(
        URL,
        {"grant_type": "client_credentials"},
        content_type="application/json",
        headers=basic(world.client.client_id, "wrong-secret"),
    )
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "errorCode": "BadCredentials",
        "message": "Incorrect username or password.",
    }


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ("{}", "application/json", "BodyValidationError"),
        ("{not json", "application/json", "BodyValidationError"),
        ('{"grant_type":"password"}', "application/json", "BodyValidationError"),
        ("<xml/>", "text/xml", "UnsupportedContentTypeError"),
    ],
)
def test_malformed_requests_say_what_is_wrong(client, world, body, content_type, code):
    response = client.post(URL, body, content_type=content_type, headers=basic(world.client.client_id, world.secret))
    assert response.status_code == 400
    assert response.json()["errorCode"] == code


def test_missing_credentials(client):
    response = client.post(URL, {"grant_type": "client_credentials"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "AuthValidationError"


def test_standard_dot_endpoint_works_too(client, world):
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, headers=basic(world.client.client_id, world.secret)
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_token_works_for_the_client_organisation_only(client, world):
    token = token_for(client, world.client.client_id, world.secret)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["organisation"]["id"] == world.customer.pk and me["kind"] == "api_client" and me["role"] == "api"


@pytest.mark.parametrize("token", ["garbage", ""])
def test_invalid_token_is_a_401_json(client, db, token):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_expired_token_is_a_401(client, world):
    token = token_for(client, world.client.client_id, world.secret)
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_revoked_client_loses_its_tokens_and_cannot_get_new_ones(client, world):
    token = token_for(client, world.client.client_id, world.secret)
    services.api_client_revoke(principal=f.principal(world.owner), api_client_id=world.client.pk)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    response = client.post(
        URL,
        {"grant_type": "client_credentials"},
        content_type="application/json",
        headers=basic(world.client.client_id, world.secret),
    )
    assert response.status_code == 400


def test_created_client_can_authenticate_with_the_secret_shown_once(client, world):
    api_client, secret = services.api_client_create(principal=f.principal(world.owner), username="fresh")
    assert token_for(client, api_client.client_id, secret)


def test_tokens_are_stored_only_as_checksums(client, world):
    token = token_for(client, world.client.client_id, world.secret)
    stored = AccessToken.objects.get()
    assert stored.token == "" and token not in stored.token_checksum
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
