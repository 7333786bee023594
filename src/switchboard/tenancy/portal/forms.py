from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..contracts import ASSIGNABLE_ROLES, CHILD_KINDS, KIND_LABELS, OrganisationKind, Role


class OrganisationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name (on invoices)"), max_length=200)
    invoice_email = forms.EmailField(label=_("Invoice e-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    vat_id = forms.CharField(label=_("VAT ID"), max_length=40, required=False)


class AddressForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    extra = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.CharField(label=_("Country"), max_length=2, help_text=_("Two letters, e.g. DE"))


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


def role_choices(actor_role: str) -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in ASSIGNABLE_ROLES.get(Role(actor_role), ())]


class MemberForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail (login)"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor_role)
        self.fields["role"].initial = Role.USER  # the safe choice; Owner must be picked on purpose


class ChildOrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"))
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    invoice_email = forms.EmailField(label=_("Invoice e-mail"))
    owner_first_name = forms.CharField(label=_("Owner's first name"), max_length=100)
    owner_last_name = forms.CharField(label=_("Owner's last name"), max_length=100)
    owner_email = forms.EmailField(
        label=_("Owner's e-mail"), help_text=_("The owner gets an e-mail with a link to set a password.")
    )

    def __init__(self, *args, parent_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, KIND_LABELS[k]) for k in CHILD_KINDS[OrganisationKind(parent_kind)]]


class ApiClientForm(forms.Form):
    username = forms.CharField(
        label=_("Name"),
        max_length=63,
        help_text=_("The client ID will be your customer number, an underscore and this name."),
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to have a strong secret generated. It is shown only once."),
    )
