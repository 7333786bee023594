from django.conf import settings
from ninja.throttling import AuthRateThrottle


class PerClientThrottle(AuthRateThrottle):
    """One budget per API client or portal user, whatever token or session it uses."""

    def __init__(self) -> None:
        super().__init__(settings.SWITCHBOARD["API_RATE"])

    def get_cache_key(self, request) -> str:
        principal = request.auth
        return f"api-rate:{principal.kind}:{principal.actor_id}"
