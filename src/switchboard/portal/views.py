"""Portal shell: login, password links, dashboard, organisation switch. Thin over tenancy services."""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from switchboard.connectivity import selectors as sims
from switchboard.core.errors import DomainError
from switchboard.core.portal import form_error, requires
from switchboard.core.principal import Permission
from switchboard.orders import selectors as orders
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy import services as tenancy_services

from .forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from .middleware import SESSION_ORGANISATION


def _client_ip(request: HttpRequest) -> str:
    """Behind the trusted proxy, the client is the last address it appended; anything before that is hearsay."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:dashboard")


def login_view(request: HttpRequest) -> HttpResponse:
    if request.principal is not None:
        return redirect("portal:dashboard")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = tenancy_services.login_attempt(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client_ip=_client_ip(request),
                request=request,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            login(request, user)
            response = redirect(_safe_next(request))
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("portal:login")


def password_forgot(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tenancy_services.password_reset_request(email=form.cleaned_data["email"])
        messages.success(request, _("If the address belongs to an account, an e-mail with a link is on its way."))
        return redirect("portal:login")
    return render(request, "portal/password_forgot.html", {"form": form})


def password_set(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    valid = tenancy_services.password_token_check(uidb64=uidb64, token=token) is not None
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and valid and form.is_valid():
        try:
            tenancy_services.password_set(uidb64=uidb64, token=token, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your password is set. You can log in now."))
            return redirect("portal:login")
    return render(request, "portal/password_set.html", {"form": form, "valid": valid})


@requires(Permission.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The fleet at a glance: SIMs per volume group (each links to My SIMs, filtered), six months of usage, the
    latest orders."""
    principal = request.principal
    fleet = sims.dashboard(principal=principal)
    context = {
        "organisation": tenancy.organisation_get(principal=principal),
        "member_count": tenancy.members_list(principal=principal).count(),
        "children": tenancy.organisation_children(principal=principal),
        "fleet": fleet,
        "volume_groups": [
            ("data", _("Data volume"), list(fleet.data_groups.items())),
            ("sms", _("SMS volume"), list(fleet.sms_groups.items())),
        ],
        # The "Latest orders" card: only for roles that see orders (1NCE's User does not).
        "latest_orders": list(orders.orders_list(principal=principal)[:5])
        if principal.can(Permission.ORDERS_VIEW)
        else None,
        "can_order": principal.can(Permission.ORDERS_CREATE),
    }
    return render(request, "portal/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the person too so mails follow the same choice."""
    if request.principal is not None:
        # An unknown language is ignored, as Django's view below ignores it.
        with suppress(DomainError):
            tenancy_services.language_set(principal=request.principal, language=request.POST.get("language", ""))
    return django_set_language(request)


@require_POST
@requires(Permission.VIEW)
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Act in another organisation the person belongs to; anything else is ignored."""
    wanted = _int(request.POST.get("organisation"))
    chosen = tenancy.membership_for(user=request.user, organisation_id=wanted)
    if chosen is not None and chosen.organisation_id == wanted:  # membership_for falls back to the first one
        request.session[SESSION_ORGANISATION] = chosen.organisation_id
    return redirect("portal:dashboard")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
