"""Configuration → Data streams and SMS forwarding. The SMS forwarder is a stream of kind "sms_forward" underneath:
both pages show the same state, actions and delivery log, and the actions are the same views.

A signing secret is shown once: the view that creates or rotates it keeps it, encrypted, in the session for the
one page that follows the redirect, which takes it out again. It never travels in a URL or a message cookie."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from switchboard.core import crypto
from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.core.paging import paginate
from switchboard.core.portal import attempt, form_error, requires, submit
from switchboard.core.principal import Permission

from .. import selectors, services
from ..contracts import StreamBacklog, StreamKind
from ..models import DataStream, StreamAttempt
from ..services.streams.manage import MAX_STREAMS
from .stream_forms import ForwardingForm, ReplayForm, StreamForm

SHOW_ONCE = "streams.show_once"  # the session key of a new signing secret until its page shows it
LOG_PAGE = 20


@dataclass(frozen=True)
class StreamRow:
    stream: DataStream
    backlog: StreamBacklog

    @property
    def protocol(self) -> str:
        if self.stream.target == "mqtt":
            return "MQTT"
        return urlsplit(self.stream.url).scheme.upper() or "HTTPS"

    @property
    def destination(self) -> str:
        if self.stream.target == "mqtt":
            return f"{self.stream.mqtt_host}:{self.stream.mqtt_port}"
        return urlsplit(self.stream.url).netloc or self.stream.target


def _keep_secret(request: HttpRequest, stream: DataStream, secret: str | None) -> None:
    if secret:
        request.session[SHOW_ONCE] = {"stream_id": stream.pk, "secret": crypto.encrypt(secret)}


def _take_secret(request: HttpRequest, stream: DataStream) -> str | None:
    kept = request.session.get(SHOW_ONCE)
    if not kept or kept["stream_id"] != stream.pk:
        return None
    del request.session[SHOW_ONCE]
    return crypto.decrypt(kept["secret"])


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _home(stream: DataStream) -> str:
    """Where a stream is shown: the SMS forwarder has a page of its own."""
    if stream.kind == StreamKind.SMS_FORWARD:
        return reverse("streams:sms_forwarding")
    return reverse("streams:stream", args=[stream.pk])


def _old_secret_until(stream: DataStream) -> datetime | None:
    """Until when a rotated-out secret still signs, while it does."""
    until = stream.previous_secret_until
    return until if until and until > timezone.now() else None


def _stream_page(
    request: HttpRequest,
    stream: DataStream,
    *,
    form: StreamForm | ForwardingForm | None = None,
    replay_form: ReplayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A stream's page (or the SMS forwarding page): settings, state, actions, replay and the delivery log."""
    principal = request.principal
    forwarder = stream.kind == StreamKind.SMS_FORWARD
    attempts = selectors.stream_attempts(principal=principal, stream_id=stream.pk)
    context = {
        "stream": stream,
        "form": form or (ForwardingForm.for_forwarder(stream) if forwarder else StreamForm(stream=stream)),
        "replay_form": replay_form or ReplayForm(),
        "backlog": selectors.stream_backlog(principal=principal, stream_id=stream.pk),
        "log": paginate(attempts, page=_page_number(request), size=LOG_PAGE),
        "secret": _take_secret(request, stream),
        "old_secret_until": _old_secret_until(stream),
    }
    template = "events/streams_sms_forwarding.html" if forwarder else "events/streams_detail.html"
    response = render(request, template, context, status=status)
    if context["secret"]:
        add_never_cache_headers(response)  # no copy of the secret in a cache, nor behind the back button
    return response


def _streams_page(request: HttpRequest, *, form: StreamForm | None = None, status: int = 200) -> HttpResponse:
    principal = request.principal
    streams = selectors.streams_list(principal=principal).exclude(kind=StreamKind.SMS_FORWARD)
    rows = [StreamRow(s, selectors.stream_backlog(principal=principal, stream_id=s.pk)) for s in streams]
    context = {"rows": rows, "limit": MAX_STREAMS, "form": form or StreamForm()}
    return render(request, "events/streams.html", context, status=status)


def _call(form, action: Callable[[dict], Any]) -> tuple[bool, Any]:
    """Call the service with a valid form's data; a refusal lands on the form next to the field it names."""
    if not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        form_error(form, exc)
        return False, None


@requires(Permission.INTEGRATIONS_MANAGE)
def streams(request: HttpRequest) -> HttpResponse:
    """The list; the add form posts here, so a refusal re-renders this page with the message in place. A new
    stream opens on its own page, which shows its signing secret."""
    if request.method != "POST":
        return _streams_page(request)
    form = StreamForm(request.POST)
    ok, created = _call(
        form, lambda _data: services.stream_create(principal=request.principal, **form.create_arguments())
    )
    if not ok:
        return _streams_page(request, form=form, status=400)
    stream, secret = created
    _keep_secret(request, stream, secret)
    messages.success(request, _("Data stream added."))
    return redirect(_home(stream))


@requires(Permission.INTEGRATIONS_MANAGE)
def stream(request: HttpRequest, stream_id: int) -> HttpResponse:
    """A stream's page; its settings form posts here."""
    principal = request.principal
    current = selectors.stream_get(principal=principal, stream_id=stream_id)
    if current.kind == StreamKind.SMS_FORWARD:
        return redirect("streams:sms_forwarding")
    if request.method != "POST":
        return _stream_page(request, current)
    form = StreamForm(request.POST, stream=current)
    done = submit(
        request,
        form,
        lambda _data: services.stream_update(principal=principal, stream_id=current.pk, **form.update_arguments()),
        success=_("Data stream saved."),
        then=_home(current),
    )
    return done or _stream_page(request, current, form=form, status=400)


@requires(Permission.INTEGRATIONS_MANAGE)
def sms_forwarding(request: HttpRequest) -> HttpResponse:
    """The forwarder's server; when there is none yet, only the form to set it up."""
    principal = request.principal
    forwarder = selectors.forwarding_get(principal=principal)
    form = ForwardingForm.for_forwarder(forwarder, request.POST or None)
    if request.method == "POST":

        def save(data) -> None:
            """forwarding_set replaces the headers (a PUT); a change of the URL alone keeps them, as an update."""
            if forwarder is not None:
                services.stream_update(
                    principal=principal, stream_id=forwarder.pk, url=data["url"], headers=form.headers_change()
                )
                return
            created, secret = services.forwarding_set(principal=principal, url=data["url"], headers=data["headers"])
            _keep_secret(request, created, secret)

        done = submit(request, form, save, success=_("SMS forwarding saved."), then="streams:sms_forwarding")
        if done:
            return done
    status = 400 if form.errors else 200
    if forwarder is None:
        return render(request, "events/streams_sms_forwarding.html", {"form": form, "stream": None}, status=status)
    return _stream_page(request, forwarder, form=form, status=status)


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def sms_forwarding_delete(request: HttpRequest) -> HttpResponse:
    attempt(
        request,
        lambda: services.forwarding_delete(principal=request.principal),
        success=_("SMS forwarding removed: incoming SMS are no longer forwarded."),
    )
    return redirect("streams:sms_forwarding")


def _act(request: HttpRequest, stream_id: int, action, *, success: str) -> HttpResponse:
    """A one-click action on a stream (or the forwarder), then back to its page with the outcome as a message."""
    stream = selectors.stream_get(principal=request.principal, stream_id=stream_id)  # 404 before anything else
    attempt(request, lambda: action(stream), success=success)
    return redirect(_home(stream))


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_pause(request: HttpRequest, stream_id: int) -> HttpResponse:
    return _act(
        request,
        stream_id,
        lambda s: services.stream_pause(principal=request.principal, stream_id=s.pk),
        success=_("Paused: records keep queueing for up to 7 days and are sent when you resume."),
    )


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_resume(request: HttpRequest, stream_id: int) -> HttpResponse:
    return _act(
        request,
        stream_id,
        lambda s: services.stream_resume(principal=request.principal, stream_id=s.pk),
        success=_("Resumed: the queued records are being sent."),
    )


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_rotate_secret(request: HttpRequest, stream_id: int) -> HttpResponse:
    return _act(
        request,
        stream_id,
        lambda s: _keep_secret(request, s, services.stream_rotate_secret(principal=request.principal, stream_id=s.pk)),
        success=_("New signing secret created. For 24 hours requests carry signatures with the old one as well."),
    )


def _test_outcome(done: StreamAttempt) -> str:
    if done.http_status is not None:
        return f"HTTP {done.http_status}"
    if done.mqtt_rc is not None:
        return _("MQTT return code %(rc)d") % {"rc": done.mqtt_rc}
    return done.error


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_test(request: HttpRequest, stream_id: int) -> HttpResponse:
    """Sends one made-up record now; the attempt heads the delivery log of the page it returns to."""
    stream = selectors.stream_get(principal=request.principal, stream_id=stream_id)
    try:
        done = services.stream_send_test(principal=request.principal, stream_id=stream.pk)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        outcome = {"outcome": _test_outcome(done), "ms": done.latency_ms}
        if done.ok:
            messages.success(request, _("Test record delivered: %(outcome)s in %(ms)d ms.") % outcome)
        else:
            messages.error(request, _("The test record was not accepted: %(outcome)s.") % outcome)
    return redirect(_home(stream))


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_replay(request: HttpRequest, stream_id: int) -> HttpResponse:
    principal = request.principal
    stream = selectors.stream_get(principal=principal, stream_id=stream_id)
    form = ReplayForm(request.POST)
    ok, queued = _call(
        form,
        lambda data: services.stream_replay(
            principal=principal, stream_id=stream.pk, start=data["start"], end=data["end"]
        ),
    )
    if not ok:
        return _stream_page(request, stream, replay_form=form, status=400)
    messages.success(
        request,
        ngettext(
            "%(n)d record is sent again, with the id it had.",
            "%(n)d records are sent again, in their order, with the ids they had.",
            queued,
        )
        % {"n": queued},
    )
    return redirect(_home(stream))


@require_POST
@requires(Permission.INTEGRATIONS_MANAGE)
def stream_delete(request: HttpRequest, stream_id: int) -> HttpResponse:
    stream = selectors.stream_get(principal=request.principal, stream_id=stream_id)
    attempt(
        request,
        lambda: services.stream_delete(principal=request.principal, stream_id=stream.pk),
        success=_("Data stream %(name)s deleted, with its queue and delivery log.") % {"name": stream.name},
    )
    if stream.kind == StreamKind.SMS_FORWARD:
        return redirect("streams:sms_forwarding")
    return redirect("streams:streams")
