"""The RADIUS client form of the portal (and, as a model form, of the admin): it parses what the browser sends;
the service decides what is valid, so every door refuses the same values with the same words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..services import NasClientChange
from ..services.clients import SECRET_MAX, SECRET_MIN


class NasClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    network = forms.CharField(
        label=_("Address or subnet"),
        max_length=43,
        help_text=_("The gateway's source address, or a subnet such as 192.0.2.0/28."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    secret = forms.CharField(
        label=_("Shared secret"),
        strip=False,
        # new-password: browsers must not fill in the operator's login password here
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    disconnect_port = forms.IntegerField(
        label=_("Disconnect/CoA port"), initial=3799, help_text=_("Where the gateway takes Disconnect-Requests.")
    )
    require_message_authenticator = forms.BooleanField(
        label=_("Require Message-Authenticator"),
        required=False,
        help_text=_("Drop requests from this gateway that do not carry one."),
    )
    enabled = forms.BooleanField(label=pgettext_lazy("RADIUS client", "Enabled"), required=False, initial=True)

    EDITABLE = ("name", "network", "disconnect_port", "require_message_authenticator", "enabled")
    ROWS = (("name", "network"), ("secret", "disconnect_port"))  # how the template lays the text fields out
    SWITCHES = ("require_message_authenticator", "enabled")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        limits = {"min": SECRET_MIN, "max": SECRET_MAX}
        secret = self.fields["secret"]
        if editing:  # the secret is write-only: an empty field keeps the one stored
            secret.required = False
            secret.help_text = (
                gettext("Leave empty to keep the current secret; a new one has %(min)s to %(max)s characters.") % limits
            )
        else:
            secret.help_text = (
                gettext(
                    "%(min)s to %(max)s characters, the same as on the gateway. Stored encrypted, never shown again."
                )
                % limits
            )

    def rows(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in row] for row in self.ROWS]

    def switches(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SWITCHES]

    @classmethod
    def initial_for(cls, client) -> dict:
        return {name: getattr(client, name) for name in cls.EDITABLE}

    def change(self) -> NasClientChange:
        data = self.cleaned_data
        return NasClientChange(**{name: data[name] for name in self.EDITABLE}, secret=data["secret"] or None)
