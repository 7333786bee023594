"""Forms of the data stream and SMS forwarding pages. They parse what the browser sends into the services' arguments;
the services decide what is valid (URLs, private addresses, header names, ports, topics), so the portal and the API
refuse the same values with the same words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..contracts import StreamKind
from ..models import DataStream, default_topic_template
from ..services.streams.queue import QUEUE_DAYS

KIND_CHOICES = [
    (StreamKind.USAGE.value, _("Usage records: data sessions and SMS with their volumes")),
    (StreamKind.EVENTS.value, _("Event records: attach, detach, status changes, quota and limit events")),
]
TARGET_CHOICES = [("webhook", _("HTTPS webhook")), ("mqtt", _("MQTT broker"))]
WEBHOOK_FIELDS = ("url", "headers", "clear_headers")
MQTT_FIELDS = (
    "mqtt_host",
    "mqtt_port",
    "mqtt_tls",
    "mqtt_ca",
    "mqtt_username",
    "mqtt_password",
    "topic_template",
)
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@dataclass(frozen=True)
class FieldGroup:
    """The fields of one destination type; `target` is the CSS hook that hides the group not chosen."""

    target: str
    legend: str
    fields: list[forms.BoundField]


def parse_headers(text: str) -> dict[str, str]:
    """ "Name: value" lines into a dict; the service checks the names and values themselves."""
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not name:
            raise forms.ValidationError(
                _("Line %(n)d: write each header as Name: value."), code="invalid", params={"n": number}
            )
        if name.lower() in (known.lower() for known in headers):
            raise forms.ValidationError(
                _("The header %(name)s is given twice."), code="duplicate", params={"name": name}
            )
        headers[name] = value.strip()
    return headers


class WebhookForm(forms.Form):
    """Where a webhook posts to. Header values are write-only (they are usually the receiver's credentials): when
    headers are stored, an empty box keeps them and "remove" drops them."""

    url = forms.CharField(
        label=_("URL"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"spellcheck": "false", "placeholder": "https://"}),
    )
    headers = forms.CharField(
        label=_("Custom headers"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "Authorization: Bearer …"}),
    )
    clear_headers = forms.BooleanField(label=_("Remove the stored headers"), required=False)

    def __init__(self, *args, stored_headers: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_headers = stored_headers or []
        if self.stored_headers:
            self.fields["headers"].help_text = _(
                "Stored: %(names)s. Their values are not shown; lines entered here replace them all, an empty box "
                "keeps them."
            ) % {"names": ", ".join(self.stored_headers)}
        else:
            self.fields["headers"].help_text = _(
                "One per line as Name: value, sent with every request. Stored encrypted."
            )
            del self.fields["clear_headers"]

    def clean_headers(self) -> dict[str, str]:
        return parse_headers(self.cleaned_data["headers"])

    def headers_change(self) -> dict[str, str] | None:
        """The headers to store: the entered ones, none, or None to keep what is stored."""
        entered = self.cleaned_data["headers"]
        if entered or not self.stored_headers:
            return entered
        return {} if self.cleaned_data.get("clear_headers") else None

    def general_fields(self) -> list[forms.BoundField]:
        return []

    def groups(self) -> list[FieldGroup]:
        return [FieldGroup("webhook", str(_("HTTPS webhook")), self._present(WEBHOOK_FIELDS))]

    def _present(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]


class ForwardingForm(WebhookForm):
    """The SMS forwarder's server: one POST per MO SMS, in the 1NCE forwarder's JSON shape."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        url = self.fields["url"]
        url.label = _("Your server's URL")
        url.help_text = _("https:// or http://. Each SMS a device sends is POSTed here as one JSON object.")

    def groups(self) -> list[FieldGroup]:
        return [FieldGroup("webhook", "", self._present(WEBHOOK_FIELDS))]

    @classmethod
    def for_forwarder(cls, forwarder: DataStream | None, data=None) -> ForwardingForm:
        if forwarder is None:
            return cls(data)
        return cls(data, initial={"url": forwarder.url}, stored_headers=sorted(forwarder.headers))


class StreamForm(WebhookForm):
    """Adds a stream (name, kind, destination type and its fields), or, given the stream, edits one: kind and
    destination type then stay as they are and only that type's fields are offered."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Records"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="usage")
    target = forms.ChoiceField(
        label=_("Destination"), choices=TARGET_CHOICES, widget=forms.RadioSelect, initial="webhook"
    )
    mqtt_host = forms.CharField(
        label=_("Broker host"), required=False, max_length=255, widget=forms.TextInput(attrs={"spellcheck": "false"})
    )
    mqtt_port = forms.CharField(
        label=_("Port"),
        required=False,
        max_length=5,
        help_text=_("Empty: 8883 with TLS, 1883 without."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    mqtt_tls = forms.BooleanField(label=_("Connect with TLS"), required=False, initial=True)
    mqtt_ca = forms.CharField(
        label=_("CA certificate (PEM)"),
        required=False,
        help_text=_("Only when the broker's certificate is not signed by a public CA."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "-----BEGIN CERTIFICATE-----"}),
    )
    mqtt_username = forms.CharField(
        label=_("Username"), required=False, max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    mqtt_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        max_length=255,
        # new-password: browsers must not fill in the portal login here
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    topic_template = forms.CharField(
        label=_("Topic template"),
        required=False,
        max_length=255,
        initial=default_topic_template,
        help_text=_("One topic per SIM, published with QoS 1. Placeholders: {organisation_id}, {iccid}, {kind}."),
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    field_order = ["name", "kind", "target"]

    def __init__(self, data=None, *, stream: DataStream | None = None):
        stored = sorted(stream.headers) if stream is not None else []
        super().__init__(data, initial=self._initial(stream), stored_headers=stored)
        self.stream = stream
        self.fields["url"].help_text = _("Records are POSTed as a JSON array, signed (Standard Webhooks).")
        if stream is None:
            return
        del self.fields["kind"], self.fields["target"]
        for name in MQTT_FIELDS if stream.target != "mqtt" else WEBHOOK_FIELDS:
            self.fields.pop(name, None)
        if stream.mqtt_password:
            self.fields["mqtt_password"].help_text = _("Leave empty to keep the stored password.")

    @staticmethod
    def _initial(stream: DataStream | None) -> dict[str, Any]:
        if stream is None:
            return {}
        names = ("name", "url", "mqtt_host", "mqtt_port", "mqtt_tls", "mqtt_ca", "mqtt_username", "topic_template")
        return {name: getattr(stream, name) for name in names}

    def clean_headers(self) -> dict[str, str]:
        """Lines typed before switching to MQTT are ignored, not refused out of sight."""
        if self.cleaned_data.get("target") == "mqtt":
            return {}
        return super().clean_headers()

    def general_fields(self) -> list[forms.BoundField]:
        return self._present(("name", "kind", "target"))

    def groups(self) -> list[FieldGroup]:
        return [
            group
            for group in (*super().groups(), FieldGroup("mqtt", str(_("MQTT broker")), self._present(MQTT_FIELDS)))
            if group.fields
        ]

    def _destination(self) -> dict[str, Any]:
        data = self.cleaned_data
        target = self.stream.target if self.stream is not None else data["target"]
        if target != "mqtt":
            return {"url": data["url"], "headers": self.headers_change()}
        return {
            "mqtt_host": data["mqtt_host"],
            "mqtt_port": data["mqtt_port"],  # empty: the default port of the TLS setting
            "mqtt_tls": data["mqtt_tls"],
            "mqtt_ca": data["mqtt_ca"],
            "mqtt_username": data["mqtt_username"],
            "topic_template": data["topic_template"],
        }

    def create_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {"name": data["name"], "kind": data["kind"], "target": data["target"], **self._destination()}
        if data["target"] == "mqtt":
            arguments["mqtt_password"] = data["mqtt_password"]
        return arguments

    def update_arguments(self) -> dict[str, Any]:
        """An empty password keeps the stored one."""
        arguments = {"name": self.cleaned_data["name"], **self._destination()}
        if self.stream.target == "mqtt":
            arguments["mqtt_password"] = self.cleaned_data["mqtt_password"] or None
        return arguments


class ReplayForm(forms.Form):
    """A time range of the last 7 days, in the portal's time zone."""

    start = forms.DateTimeField(label=_("From"))
    end = forms.DateTimeField(label=_("To"))

    def __init__(self, *args, **kwargs):
        now = timezone.localtime().replace(second=0, microsecond=0)
        super().__init__(*args, initial={"start": now - timedelta(hours=1), "end": now}, **kwargs)
        limits = {"min": (now - timedelta(days=QUEUE_DAYS)).strftime(LOCAL_MINUTE), "max": now.strftime(LOCAL_MINUTE)}
        for field in self.fields.values():
            field.widget = forms.DateTimeInput(format=LOCAL_MINUTE, attrs={"type": "datetime-local", **limits})
