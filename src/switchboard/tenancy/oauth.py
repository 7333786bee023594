"""DOT validator that refuses revoked API clients at the token endpoint."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ApiClientValidator(OAuth2Validator):
    def _load_application(self, client_id, request):
        application = super()._load_application(client_id, request)
        if application is not None and application.revoked_at is not None:
            request.client = None
            return None
        return application
