"""Composition root of the native API: authentication, errors, throttling, and each app's router."""

from ninja import NinjaAPI

from switchboard.aaa.api.routes import router as aaa_router
from switchboard.catalog.api.routes import router as catalog_router
from switchboard.connectivity.api.routes import router as connectivity_router
from switchboard.events.api.routes import router as events_router
from switchboard.events.api.streams import router as streams_router
from switchboard.orders.api.routes import router as orders_router
from switchboard.sms.api.routes import router as sms_router
from switchboard.tenancy.api.routes import router as tenancy_router

from . import errors
from .auth import ApiClientAuth, PortalSessionAuth
from .throttling import PerClientThrottle

api = NinjaAPI(
    title="Switchboard API",
    version="1",
    description="Native API of Switchboard. Authenticate with an OAuth2 bearer token "
    "(POST /management-api/oauth/token or /o/token/ with client credentials) or a portal session with CSRF.",
    urls_namespace="api-v1",
    auth=[ApiClientAuth(), PortalSessionAuth()],
    throttle=[PerClientThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", tenancy_router)
api.add_router("", events_router)
api.add_router("", streams_router)
api.add_router("", orders_router)  # before connectivity: /sims/topup is not a /sims/{iccid}
api.add_router("", sms_router)
api.add_router("", connectivity_router)
api.add_router("", aaa_router)
api.add_router("", catalog_router)
