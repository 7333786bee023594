"""The operator's catalog in the admin: products with the resellers' own prices, and devices in stock.

Every write goes through the catalog's services (validated, audited), acting as the superuser's membership in the
operator's organisation; a superuser who is no member there may only look. Products are withdrawn, never deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from switchboard.connectivity.contracts import FormFactor
from switchboard.core.admin import SuperuserAdmin
from switchboard.core.errors import DomainError
from switchboard.core.portal import form_error
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from . import services
from .contracts import PRODUCT_TYPE_LABELS
from .models import Device, Product, ResellerPrice

CHANGE_FIELDS = tuple(name for name in services.ProductChange.__dataclass_fields__)


def operator_principal(request) -> Principal | None:
    """Who the superuser is in the operator's organisation; None for one who is no member there."""
    for membership in tenancy.memberships_of(user=request.user):
        if membership.organisation.kind == OrganisationKind.OPERATOR:
            return tenancy.principal_for_membership(membership)
    return None


def _reseller_choices() -> list[tuple[int, str]]:
    resellers = [
        ref
        for operator_id in tenancy.operator_ids()
        for ref in tenancy.descendant_refs(organisation_id=operator_id)
        if ref.kind == OrganisationKind.RESELLER
    ]
    return [(ref.id, f"{ref.company_name} ({ref.customer_number})") for ref in resellers]


class ProductAdminForm(forms.ModelForm):
    """Checked by the service without saving: the reseller prices below may still be refused, and the product is
    saved (by the service) only when the whole page is valid."""

    principal: Principal | None = None
    form_factor = forms.ChoiceField(
        label=gettext_lazy("SIM form factor"),
        required=False,
        choices=[("", "—"), *((f.value, f.value) for f in FormFactor)],
    )
    parent_types = forms.MultipleChoiceField(
        label=gettext_lazy("attaches to product types"),
        required=False,
        choices=[(t.value, label) for t, label in PRODUCT_TYPE_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Options only: voice channel, UMS package, add-on licence, top-ups, lifetime extension."
        ),
    )

    class Meta:
        model = Product
        fields = CHANGE_FIELDS

    def change(self) -> services.ProductChange:
        data = self.cleaned_data
        values = {name: data.get(name) for name in CHANGE_FIELDS}
        for name in ("max_quantity", "max_quantity_per_customer"):
            if values[name] is None:
                values[name] = services.NO_LIMIT
        for name in ("description", "form_factor"):
            values[name] = values[name] or ""
        values["parent_types"] = list(values["parent_types"] or [])
        return services.ProductChange(**values)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.product_validate(principal=self.principal, change=self.change(), product_id=self.instance.pk)
        except DomainError as exc:
            form_error(self, exc)
        return cleaned


class ResellerPriceForm(forms.ModelForm):
    organisation_id = forms.TypedChoiceField(label=gettext_lazy("reseller"), coerce=int, choices=())
    one_time_net = forms.DecimalField(
        label=gettext_lazy("one-time charge (net)"), min_value=0, max_digits=12, decimal_places=2
    )
    recurring_net = forms.DecimalField(
        label=gettext_lazy("monthly charge (net)"), min_value=0, max_digits=12, decimal_places=2
    )

    class Meta:
        model = ResellerPrice
        fields = ("organisation_id", "one_time_net", "recurring_net")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_id"].choices = _reseller_choices()


class ResellerPriceInline(admin.TabularInline):
    model = ResellerPrice
    form = ResellerPriceForm
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser and operator_principal(request) is not None

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(Product)
class ProductAdmin(SuperuserAdmin):
    form = ProductAdminForm
    inlines = (ResellerPriceInline,)
    list_display = ("code", "name", "type", "one_time_net", "recurring_net", "currency", "min_term_months", "active")
    list_filter = ("type", "active")
    search_fields = ("code", "name")
    actions = ("withdraw",)
    fieldsets = (
        (None, {"fields": ("code", "name", "type", "description", "active", "position")}),
        (gettext_lazy("Price"), {"fields": ("one_time_net", "recurring_net", "currency", "vat_rate")}),
        (
            gettext_lazy("Quantities and term"),
            {"fields": ("min_quantity", "max_quantity", "max_quantity_per_customer", "min_term_months")},
        ),
        (gettext_lazy("SIM cards and top-ups"), {"fields": ("form_factor", "package_size", "data_bytes", "sms")}),
        (gettext_lazy("Options"), {"fields": ("parent_types",)}),
    )

    def _acts_for_operator(self, request) -> bool:
        return request.user.is_superuser and operator_principal(request) is not None

    def has_add_permission(self, request):
        return self._acts_for_operator(request)

    def has_change_permission(self, request, obj=None):
        return self._acts_for_operator(request)

    def has_delete_permission(self, request, obj=None):
        return False  # orders and contracts keep their products: withdraw instead

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"principal": operator_principal(request)})

    def save_model(self, request, obj, form, change):
        principal = operator_principal(request)
        if obj.pk is None:
            saved = services.product_create(principal=principal, change=form.change())
        else:
            saved = services.product_update(principal=principal, product_id=obj.pk, change=form.change())
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Each reseller price through the service, so that it is checked and audited."""
        principal = operator_principal(request)
        product = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for the change message
        for row in formset.forms:
            initial = row.initial.get("organisation_id")
            if row in formset.deleted_forms:
                if initial is not None:
                    services.reseller_price_delete(principal=principal, product_id=product.pk, reseller_id=initial)
                    formset.deleted_objects.append(row.instance)
                continue
            if not row.has_changed() or not row.cleaned_data:
                continue
            data = row.cleaned_data
            if initial is not None and initial != data["organisation_id"]:
                services.reseller_price_delete(principal=principal, product_id=product.pk, reseller_id=initial)
            price = services.reseller_price_set(
                principal=principal,
                product_id=product.pk,
                reseller_id=data["organisation_id"],
                one_time_net=data["one_time_net"],
                recurring_net=data["recurring_net"],
            )
            if initial is None:
                formset.new_objects.append(price)
            else:
                formset.changed_objects.append((price, row.changed_data))

    @admin.action(description=gettext_lazy("Withdraw the selected products"))
    def withdraw(self, request, queryset):
        principal = operator_principal(request)
        if principal is None:
            self.message_user(request, _("Only members of the operator manage the catalog."), messages.ERROR)
            return
        for product in queryset:
            services.product_withdraw(principal=principal, product_id=product.pk)
        count = queryset.count()
        done = ngettext("%(n)s product withdrawn.", "%(n)s products withdrawn.", count) % {"n": count}
        self.message_user(request, done, messages.SUCCESS)


class DeviceAdminForm(forms.ModelForm):
    """Stocking a device calls the service when the form is validated, which saves it or refuses field by field."""

    principal: Principal | None = None

    class Meta:
        model = Device
        fields = ("product", "serial_number")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(type="device")

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is not None:
            return cleaned
        try:
            self.instance = services.devices_add(
                principal=self.principal,
                product_id=cleaned["product"].pk,
                serial_numbers=[cleaned["serial_number"]],
            )[0]
        except DomainError as exc:
            form_error(self, exc)
            if "serial_numbers" in {e.field for e in exc.errors}:
                self.add_error("serial_number", exc.message)
        return cleaned


class InStockFilter(admin.SimpleListFilter):
    title = gettext_lazy("in stock")
    parameter_name = "in_stock"

    def lookups(self, request, model_admin):
        return (("yes", _("In stock")), ("no", _("Handed out")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(organisation_id=None)
        if self.value() == "no":
            return queryset.exclude(organisation_id=None)
        return queryset


@admin.register(Device)
class DeviceAdmin(SuperuserAdmin):
    form = DeviceAdminForm
    list_display = ("serial_number", "product", "in_stock", "organisation_id", "order_id", "created_at")
    list_filter = (InStockFilter, "product")
    list_select_related = ("product",)
    search_fields = ("=serial_number",)

    @admin.display(boolean=True, description=gettext_lazy("in stock"))
    def in_stock(self, device: Device) -> bool:
        return device.organisation_id is None

    def get_readonly_fields(self, request, obj=None):
        return ("product", "serial_number", "organisation_id", "order_id") if obj is not None else ()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would not spare the handed-out devices
        return actions

    def has_add_permission(self, request):
        return request.user.is_superuser and operator_principal(request) is not None

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        """A device received by mistake may go again while it is in stock; a handed-out one stays on record."""
        return self.has_add_permission(request) and (obj is None or obj.organisation_id is None)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"principal": operator_principal(request)})

    def save_model(self, request, obj, form, change):
        """Nothing left to do: the service stocked it when the form was validated."""
