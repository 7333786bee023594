"""The SMS tab of a SIM: send, cancel, and the log that refreshes itself while messages are on their way."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchboard.connectivity import selectors as connectivity
from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.core.portal import attempt, form_error, requires
from switchboard.core.principal import Permission

from .. import gateway, selectors, services
from ..smsc import kannel
from .forms import SendSmsForm, SmscForm


def _tab(request: HttpRequest, iccid: str, form: SendSmsForm | None = None) -> HttpResponse:
    """The whole tab for htmx, a refused form with its message in place (as 200: htmx swaps no error answers);
    a plain browser goes back to the SIM page."""
    sim = connectivity.sim_get(principal=request.principal, iccid=iccid)
    if not request.htmx:
        return redirect(reverse("connectivity:sim_detail", args=[sim.iccid]) + "?tab=sms")
    context = {"sim": sim, "tab": "sms", "log": None, "sms_form": form}
    return render(request, "connectivity/sim_detail.html#log", context)


@require_POST
@requires(Permission.SMS_SEND)
def sms_send(request: HttpRequest, iccid: str) -> HttpResponse:
    form = SendSmsForm(request.POST)
    if form.is_valid():
        try:
            services.sms_send(principal=request.principal, iccid=iccid, request=form.to_request())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("SMS queued: it is sent to the device now."))
            return _tab(request, iccid)
    if not request.htmx:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _tab(request, iccid, form)


@require_POST
@requires(Permission.SMS_SEND)
def sms_cancel(request: HttpRequest, iccid: str, sms_id: int) -> HttpResponse:
    attempt(
        request,
        lambda: services.sms_cancel(principal=request.principal, iccid=iccid, sms_id=sms_id),
        success=_("SMS cancelled."),
    )
    return _tab(request, iccid)


@requires(Permission.VIEW)
def sms_log(request: HttpRequest, iccid: str) -> HttpResponse:
    """Only the table: polled while a message is pending, so the form being typed in stays as it is."""
    sim = connectivity.sim_get(principal=request.principal, iccid=iccid)
    return render(request, "sms/_sim_sms.html#sms-table", {"sim": sim})


@requires(Permission.INTEGRATIONS_MANAGE)
def smsc_settings(request: HttpRequest) -> HttpResponse:
    """Network → SMSC: which SMSC the operator's SMS go through. Kannel's callback token is shown once, here."""
    principal = request.principal
    connection = selectors.smsc_connection(principal=principal)
    form = SmscForm(request.POST or None, initial=SmscForm.initial_for(connection))
    token = ""
    if request.method == "POST" and form.is_valid():
        try:
            connection, token = services.smsc_configure(principal=principal, wanted=form.settings())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("SMSC saved. Restart the SMS gateway (switchboard smsc) to use it."))
            if not token:
                return redirect("sms:smsc")
    mo_url = gateway.kannel_callback_url("mo", token or "<token>")
    context = {
        "form": form,
        "connection": connection,
        "token": token,
        "kannel_get_url": kannel.MO_GET_URL_TEMPLATE.format(mo_url=mo_url),
    }
    return render(request, "sms/smsc.html", context, status=400 if form.errors else 200)
