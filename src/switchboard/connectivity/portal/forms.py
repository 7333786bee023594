"""Forms of the SIM pages: they parse what the browser sends; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from switchboard.core.errors import ValidationFailed

from .. import selectors, services
from ..contracts import (
    ConnectivityStatus,
    QuotaStatus,
    Service,
    SimFilters,
    SimStatus,
    VolumeCondition,
    VolumeNotificationSettings,
)
from ..services.inventory import MAX_IMPORT_BYTES
from ..services.sims import LABEL_MAX

PAGE_SIZES = (25, 50, 100, 250, 500)
UPLOAD_MAX = 5 * 1024 * 1024  # an ICCID list; the vendor CSV has its own, larger limit in the import service
GROUPS = {group.slug: group for group in QuotaStatus}
GROUP_CHOICES = [(group.slug, group.label) for group in QuotaStatus]


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class SimFilterForm(forms.Form):
    """The query string of My SIMs; every field is optional and a bad value is reported, not guessed."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("ICCID, IMSI, MSISDN or label")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("Any status")) + [(s.value, s.label) for s in SimStatus],
    )
    data_group = forms.ChoiceField(
        label=_("Data volume"), required=False, choices=_blank(_("Any data volume")) + GROUP_CHOICES
    )
    sms_group = forms.ChoiceField(
        label=_("SMS volume"), required=False, choices=_blank(_("Any SMS volume")) + GROUP_CHOICES
    )
    connectivity = forms.ChoiceField(
        label=_("Connectivity"),
        required=False,
        choices=_blank(_("Any connectivity")) + [(c.value, c.label) for c in ConnectivityStatus],
    )
    size = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, empty_value=PAGE_SIZES[0], choices=[(n, n) for n in PAGE_SIZES]
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_sort(self) -> str:
        sort = self.cleaned_data["sort"].strip()
        if sort and sort.lstrip("-") not in selectors.SORT_KEYS:
            raise forms.ValidationError(_("Unknown sort order."))
        return sort

    def filters(self) -> SimFilters:
        """The filters the form holds; only the valid fields count, so one bad parameter does not hide the list."""
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return SimFilters(
            search=data.get("q") or "",
            status=SimStatus(data["status"]) if data.get("status") else None,
            data_group=GROUPS[data["data_group"]] if data.get("data_group") else None,
            sms_group=GROUPS[data["sms_group"]] if data.get("sms_group") else None,
            connectivity=ConnectivityStatus(data["connectivity"]) if data.get("connectivity") else None,
            sort=(data["sort"],) if data.get("sort") else (),
        )

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if "page" not in self.errors else None) or 1

    @property
    def page_size(self) -> int:
        return (self.cleaned_data.get("size") if "size" not in self.errors else None) or PAGE_SIZES[0]


class IccidsField(forms.Field):
    """The ticked checkboxes of a list: all values of one name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Select at least one SIM.")}

    def to_python(self, value) -> list[str]:
        return [str(v) for v in value or [] if str(v).strip()]


class BulkActionForm(forms.Form):
    ACTIONS = (
        ("activate", _("Activate")),
        ("deactivate", _("Deactivate")),
        ("label_prefix", _("Set label prefix")),
        ("imei_lock_on", _("Turn IMEI lock on")),
        ("imei_lock_off", _("Turn IMEI lock off")),
    )

    iccid = IccidsField()
    action = forms.ChoiceField(label=_("Action"), choices=_blank(_("Choose an action…")) + list(ACTIONS))
    prefix = forms.CharField(
        label=_("Label prefix"),
        required=False,
        max_length=LABEL_MAX - 6,
        help_text=_("Labels become prefix-001, prefix-002, … in ICCID order."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Berlin")}),
    )


class LabelForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=LABEL_MAX)


def _step_choices(service: Service) -> list[tuple[int, str]]:
    return [(step.id, step.shown) for step in selectors.limit_steps(service=service)]


class LimitsForm(forms.Form):
    """One checkbox per service turns its monthly limit on; the amount is one of the operator's steps. The step
    fields are named as the service names them in its errors."""

    SERVICES = {
        Service.DATA: ("data_limit", "data_limit_id", _("Limit data per month")),
        Service.SMS_MO: ("sms_mo_limit", "sms_mo_limit_id", _("Limit sent SMS (MO) per month")),
        Service.SMS_MT: ("sms_mt_limit", "sms_mt_limit_id", _("Limit received SMS (MT) per month")),
    }

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for service, (switch, step, label) in self.SERVICES.items():
            choices = _step_choices(service)
            if not choices:
                continue  # the operator offers no limit for this service
            chosen = current.get(service)
            self.fields[switch] = forms.BooleanField(label=label, required=False, initial=chosen is not None)
            self.fields[step] = forms.TypedChoiceField(
                label=_("Limit"),
                choices=choices,
                coerce=int,
                required=False,  # only when its checkbox is ticked, see clean()
                empty_value=None,
                initial=chosen.id if chosen else choices[0][0],
            )
            self.rows.append((self[switch], self[step]))

    def clean(self):
        cleaned = super().clean()
        for switch, step, _label in self.SERVICES.values():
            if cleaned.get(switch) and step not in self.errors and cleaned.get(step) is None:
                self.add_error(step, _("Choose a limit."))
        return cleaned

    def step_ids(self) -> dict[str, int | None]:
        """The keyword arguments of services.limits_set; a service left unticked or not offered has no limit."""
        ids = {}
        for service, (switch, step, _label) in self.SERVICES.items():
            on = self.cleaned_data.get(switch)
            ids[f"{service.name.lower()}_step_id"] = self.cleaned_data.get(step) if on else None
        return ids


class VolumeNotificationsForm(forms.Form):
    """The conditions mailed about, and which of the organisation's users get the mails; read-only (disabled) for
    those who may not change them."""

    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        required=False,
        choices=[(condition.value, condition.label) for condition in VolumeCondition],
        widget=forms.CheckboxSelectMultiple,
    )
    user_ids = forms.TypedMultipleChoiceField(
        label=_("Recipients"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args,
        current: VolumeNotificationSettings,
        users: list[tuple[int, str]],
        disabled: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["conditions"].initial = [condition.value for condition in current.conditions]
        self.fields["user_ids"].choices = users
        self.fields["user_ids"].initial = list(current.user_ids)
        for field in self.fields.values():
            field.disabled = disabled


class _IccidListForm(forms.Form):
    """ICCIDs typed in (one per line or separated by commas, FROM;TO for a range) or uploaded as CSV/TXT."""

    iccids = forms.CharField(
        label=_("ICCIDs"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "8988228066600000017\n8988228066600000025;8988228066600000090"}
        ),
        help_text=_("One per line or separated by commas; a range is FROM;TO on its own line."),
    )
    file = forms.FileField(
        label=_("… or a CSV/TXT file"), required=False, help_text=_("The same format, one ICCID or range per line.")
    )

    def _parse(self, text: str, field: str) -> tuple[list[str], list[tuple[str, str]]]:
        try:
            return services.parse_iccid_list(text, field=field)
        except ValidationFailed as exc:
            line = (exc.field or "").partition(":")[2]
            message = _("Line %(n)s: %(message)s") % {"n": line, "message": exc.message} if line else exc.message
            raise forms.ValidationError(message) from None

    def clean_iccids(self) -> tuple[list[str], list[tuple[str, str]]]:
        return self._parse(self.cleaned_data["iccids"], "iccids")

    def clean_file(self) -> tuple[list[str], list[tuple[str, str]]]:
        upload = self.cleaned_data["file"]
        if not upload:
            return [], []
        if upload.size > UPLOAD_MAX:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file must be UTF-8 text (CSV or TXT).")) from None
        return self._parse(text, "file")

    def clean(self):
        cleaned = super().clean()
        typed = cleaned.get("iccids") or ([], [])
        uploaded = cleaned.get("file") or ([], [])
        cleaned["numbers"] = typed[0] + uploaded[0]
        cleaned["ranges"] = typed[1] + uploaded[1]
        if not self.errors and not cleaned["numbers"] and not cleaned["ranges"]:
            self.add_error("iccids", _("Enter ICCIDs or ranges, or upload a file."))
        return cleaned


class TransferForm(_IccidListForm):
    target_organisation = forms.TypedChoiceField(label=_("Move to"), coerce=int)
    field_order = ["target_organisation", "iccids", "file"]

    def __init__(self, *args, targets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_organisation"].choices = targets


class AssignForm(_IccidListForm):
    organisation_id = forms.TypedChoiceField(label=_("Customer"), coerce=int)
    field_order = ["organisation_id", "iccids", "file"]

    def __init__(self, *args, customers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_id"].choices = _blank(_("Choose a customer…")) + customers


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Vendor CSV"),
        help_text=_("First line names the columns: ICCID;IMSI;MSISDN;Form factor (comma or semicolon)."),
    )
    plan_id = forms.TypedChoiceField(
        label=_("SIM plan"), coerce=int, required=False, empty_value=None, help_text=_("Lifetime and included volumes.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = selectors.sim_plans()
        self.fields["plan_id"].choices = [(p.pk, p.name) for p in plans]
        self.fields["plan_id"].initial = next((p.pk for p in plans if p.is_default), None)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 64 MB; split it."))
        return upload
