from django.conf import settings

from switchboard.core.nav import items_for
from switchboard.tenancy import selectors as tenancy


def shell(request) -> dict:
    principal = getattr(request, "principal", None)
    membership = getattr(request, "membership", None)
    return {
        "nav_items": items_for(principal),
        "principal": principal,
        "membership": membership,
        "switchable_memberships": tenancy.memberships_of(user=request.user) if membership else [],
        "languages": settings.LANGUAGES,
    }
