"""Test helpers shared by every app's tests (pytest plugin, never imported by production code)."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.cache import cache
from django.test import Client


def unavailable(message: str) -> None:
    """A real component a test needs is missing: skip here, fail under CI (which installs every one of them)."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class ApiClient:
    """Calls the native API with a bearer token obtained through the real token endpoint."""

    def __init__(self, client: Client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, json=None, **params):
        kwargs = {"headers": self.headers, "content_type": "application/json"}
        if json is not None:
            kwargs["data"] = json
        elif params:
            kwargs["data"] = params if method == "get" else None
        return getattr(self.client, method)(path, **kwargs)


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def token_for(client: Client, client_id: str, secret: str) -> str:
    response = client.post(
        "/management-api/oauth/token",
        {"grant_type": "client_credentials"},
        content_type="application/json",
        headers=basic(client_id, secret),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def logged_in(membership, **client_options) -> Client:
    browser = Client(**client_options)
    browser.force_login(membership.user)
    session = browser.session
    session["organisation_id"] = membership.organisation_id
    session.save()
    return browser


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(client, world):
    """`api(member_or_client)` → an API caller acting as that membership (session) or API client (token)."""

    def make(actor=None):
        if actor is None:
            return ApiClient(Client(), None)
        if hasattr(actor, "client_id"):
            fresh = Client()
            return ApiClient(fresh, token_for(fresh, actor.client_id, world.secret))
        return ApiClient(logged_in(actor), None)

    return make


@pytest.fixture
def portal(world):
    """`portal(membership)` → a logged-in Django test client acting in that membership's organisation."""

    def make(membership=None):
        return logged_in(membership) if membership is not None else Client()

    return make
