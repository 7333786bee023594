"""Helpers for the apps' portal views (the shell, layout and login live in `switchboard.portal`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import DomainError, NotFound, PermissionDenied
from .principal import Permission


def requires(permission: Permission) -> Callable:
    """Log in first; then the principal's role must grant the permission, else 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            principal = getattr(request, "principal", None)
            if principal is None:
                return redirect_to_login(request.get_full_path())
            if not principal.can(permission):
                raise DjangoPermissionDenied(permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def form_error(form: forms.Form, error: DomainError, *, prefix: str = "") -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    for item in error.errors:
        name = item.field.removeprefix(prefix) if item.field else None
        form.add_error(name if name in form.fields else None, item.message)


def submit(
    request, form: forms.Form, action: Callable[[dict], object], *, success: str, then: str, prefix: str = ""
) -> HttpResponse | None:
    """Validate, call the service, then redirect with a message; on refusal return None so the page re-renders
    with the message in place."""
    if not form.is_valid():
        return None
    try:
        action(form.cleaned_data)
    except DomainError as exc:
        form_error(form, exc, prefix=prefix)
        return None
    messages.success(request, success)
    return redirect(then)


def attempt(request, action: Callable[[], object], *, success: str) -> None:
    """For one-click actions (remove, revoke): the refusal becomes a message; an unknown object stays a 404, a
    forbidden one a 403."""
    try:
        action()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
