from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from switchboard.core.portal import requires
from switchboard.core.principal import Permission

from .. import selectors


@requires(Permission.AUDIT_VIEW)
def audit(request: HttpRequest) -> HttpResponse:
    entries = selectors.audit_list(principal=request.principal, action=request.GET.get("action") or None)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "events/audit.html", {"page": page, "action": request.GET.get("action", "")})
