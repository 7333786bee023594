from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..contracts import SourceAddressType
from ..services import MtRequest, SmscSettings

VALIDITY_CHOICES = [
    (1, _("1 hour")),
    (6, _("6 hours")),
    (24, _("1 day")),
    (48, _("2 days")),
    (168, _("7 days")),
]
SOURCE_TYPE_CHOICES = [
    (SourceAddressType.INTERNATIONAL.value, _("International number")),
    (SourceAddressType.NATIONAL.value, _("National number")),
    (SourceAddressType.ALPHANUMERIC.value, _("Name (letters)")),
]


class SendSmsForm(forms.Form):
    payload = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1600, "data-sms-counter": ""}),
        strip=False,
        help_text=_(
            "160 characters per SMS, 70 with characters outside the GSM alphabet; longer text is sent in up "
            "to 10 parts, each counted."
        ),
    )
    source_address = forms.CharField(label=_("Sender"), required=False, max_length=20)
    source_address_type = forms.TypedChoiceField(
        label=_("Sender type"), choices=SOURCE_TYPE_CHOICES, coerce=int, initial=SourceAddressType.INTERNATIONAL
    )
    validity = forms.TypedChoiceField(label=_("Keep trying for"), choices=VALIDITY_CHOICES, coerce=int, initial=48)

    def to_request(self) -> MtRequest:
        data = self.cleaned_data
        return MtRequest(
            payload=data["payload"],
            source_address=data["source_address"],
            source_address_type=data["source_address_type"],
            expiry_date=timezone.now() + timedelta(hours=data["validity"]),
        )


class SmscForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("SMSC"),
        choices=[
            ("simulated", _("Built-in simulated SMSC (demo and tests)")),
            ("smpp", _("SMPP 3.4 (bind as transceiver)")),
            ("kannel", _("Kannel HTTP gateway")),
        ],
        widget=forms.RadioSelect,
    )
    default_source = forms.CharField(label=_("Default sender"), max_length=16, initial="Switchboard")
    host = forms.CharField(label=_("SMPP host"), required=False, max_length=255)
    port = forms.IntegerField(label=_("SMPP port"), required=False, min_value=1, max_value=65535, initial=2775)
    system_id = forms.CharField(label=_("System id"), required=False, max_length=16)
    sendsms_url = forms.CharField(label=_("Kannel sendsms URL"), required=False, max_length=200)
    username = forms.CharField(label=_("Kannel user"), required=False, max_length=100)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the saved one."),
    )

    @classmethod
    def initial_for(cls, connection) -> dict:
        if connection is None:
            return {"kind": "simulated", "default_source": "Switchboard", "port": 2775}
        fields = ("kind", "default_source", "host", "port", "system_id", "sendsms_url", "username")
        return {name: getattr(connection, name) for name in fields}

    def settings(self) -> SmscSettings:
        data = self.cleaned_data
        return SmscSettings(
            kind=data["kind"],
            host=data["host"],
            port=data["port"],
            system_id=data["system_id"],
            sendsms_url=data["sendsms_url"],
            username=data["username"],
            password=data["password"] or None,
            default_source=data["default_source"],
        )
