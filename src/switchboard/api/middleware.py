from http import HTTPStatus

from switchboard.core.errors import FieldError

from .errors import problem

API_PREFIXES = ("/api/", "/management-api/")


class JsonErrorsMiddleware:
    """Under the API prefixes no error leaves as HTML or an empty body, whoever produced it (Django's 400 for a
    bad host or body, ninja's 405, a CSRF refusal)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIXES)
            and "json" not in response.get("Content-Type", "")
        ):
            status = response.status_code
            converted = problem(status, [FieldError(None, "http_" + str(status), HTTPStatus(status).phrase)])
            if allow := response.get("Allow"):
                converted["Allow"] = allow
            return converted
        return response
