"""Fixtures for every test: the tenancy world, its SIM fleet, and the API/portal clients."""

pytest_plugins = [
    "switchboard.tenancy.tests.fixtures",
    "switchboard.connectivity.tests.fixtures",
    "switchboard.orders.tests.fixtures",
    "switchboard.testing",
]
