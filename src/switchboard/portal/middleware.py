from switchboard.tenancy import selectors as tenancy

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
