"""Fixtures for every test: the tenancy world and the API/portal clients."""

pytest_plugins = ["switchboard.tenancy.tests.fixtures", "switchboard.testing"]
