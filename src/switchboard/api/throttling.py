from django.conf import settings
from ninja.throttling import AuthRateThrottle


class PerClientThrottle(AuthRateThrottle):
    """One budget per API client or portal user, whatever token or session it uses."""

    def __init__(self) -> None:
        super().__init__(settings.SWITCHBOARD["API_RATE"])

    def allow_request(self, request) -> bool:
        # Read per request, so an operator's change (or a test's override) needs no restart of the API object.
        self.rate = settings.SWITCHBOARD["API_RATE"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str:
        principal = request.auth
        return f"api-rate:{principal.kind}:{principal.actor_id}"
