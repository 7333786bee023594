"""Network → RADIUS clients: the operator's gateways (list, add, edit, delete) and the sessions open on them.
The selectors refuse everyone but the operator's staff, so a customer gets 403 on every page here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchboard.core.paging import paginate
from switchboard.core.portal import attempt, requires, submit
from switchboard.core.principal import Permission

from .. import selectors, services
from .forms import NasClientForm

SESSIONS_PAGE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _clients_page(request: HttpRequest, *, form: NasClientForm | None = None, status: int = 200) -> HttpResponse:
    principal = request.principal
    clients = selectors.nas_clients(principal=principal)
    sessions = selectors.open_sessions(principal=principal).select_related("nas")
    can_manage = principal.can(Permission.ORGANISATIONS_MANAGE)
    context = {
        "clients": clients,
        "sessions": paginate(sessions, page=_page_number(request), size=SESSIONS_PAGE),
        "can_manage": can_manage,
        "form": form or (NasClientForm() if can_manage else None),
    }
    return render(request, "aaa/clients.html", context, status=status)


@requires(Permission.VIEW)
def clients(request: HttpRequest) -> HttpResponse:
    """The list, and the form that adds a gateway posts here too, so a refusal re-renders this very page."""
    if request.method != "POST":
        return _clients_page(request)
    request.principal.require(Permission.ORGANISATIONS_MANAGE)
    form = NasClientForm(request.POST)
    done = submit(
        request,
        form,
        lambda d: services.nas_client_create(principal=request.principal, change=form.change()),
        success=_("RADIUS client added. The RADIUS server accepts its requests within seconds."),
        then="aaa:clients",
    )
    return done or _clients_page(request, form=form, status=400)


@requires(Permission.ORGANISATIONS_MANAGE)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    principal = request.principal
    client = selectors.nas_client_get(principal=principal, client_id=client_id)
    form = NasClientForm(request.POST or None, editing=True, initial=NasClientForm.initial_for(client))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: services.nas_client_update(principal=principal, client_id=client.pk, change=form.change()),
            success=_("RADIUS client saved."),
            then="aaa:clients",
        )
        if done:
            return done
    return render(request, "aaa/client_edit.html", {"form": form, "client": client}, status=400 if form.errors else 200)


@require_POST
@requires(Permission.ORGANISATIONS_MANAGE)
def client_delete(request: HttpRequest, client_id: int) -> HttpResponse:
    principal = request.principal
    client = selectors.nas_client_get(principal=principal, client_id=client_id)  # 403 or 404 before anything else
    attempt(
        request,
        lambda: services.nas_client_delete(principal=principal, client_id=client.pk),
        success=_("RADIUS client deleted."),
    )
    return redirect("aaa:clients")
