from django.contrib import messages
from django.shortcuts import redirect

from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.tenancy import selectors as tenancy

from .errors import page_not_found, permission_denied

SESSION_ORGANISATION = "organisation_id"


class PrincipalMiddleware:
    """Resolves who acts, and in which organisation, once per request for portal views and session API calls."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.principal = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = tenancy.membership_for(user=user, organisation_id=request.session.get(SESSION_ORGANISATION))
            if membership is not None:
                request.membership = membership
                request.principal = tenancy.principal_for_membership(membership)
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A service refusal that escapes a portal view becomes the matching page, never a 500."""
        if request.path.startswith(("/api/", "/management-api/")) or not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            return page_not_found(request)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request)
        messages.error(request, exception.message)
        return redirect(request.get_full_path())
