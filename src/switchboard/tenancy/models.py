from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from switchboard.core.models import TimeStampedModel

from .contracts import HUMAN_ROLES, KIND_LABELS, ROLE_LABELS, OrganisationKind


class Organisation(TimeStampedModel):
    kind = models.CharField(max_length=20, choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    customer_number = models.CharField(max_length=20, unique=True)
    company_name = models.CharField(_("company name"), max_length=200)
    invoice_email = models.EmailField(_("invoice e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=40, blank=True)

    class Meta:
        ordering = ["company_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.OPERATOR, parent__isnull=True)
                | (~Q(kind=OrganisationKind.OPERATOR) & Q(parent__isnull=False)),
                name="organisation_only_operator_is_root",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.customer_number})"


class Address(TimeStampedModel):
    class Kind(models.TextChoices):
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    street = models.CharField(_("street and number"), max_length=200)
    extra = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. DE"))

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(kind="billing"), name="address_one_billing_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postal_code} {self.city}, {self.country}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; what they may do depends on their membership in the organisation they act in."""

    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    language = models.CharField(_("language"), max_length=5, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("Operator staff: may use the admin site."))
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Membership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=[(r.value, ROLE_LABELS[r]) for r in HUMAN_ROLES])
    is_original_owner = models.BooleanField(default=False)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_once_per_organisation"),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_original_owner=True), name="membership_one_original_owner"
            ),
            models.CheckConstraint(
                condition=Q(is_original_owner=False) | Q(role="owner"), name="membership_original_owner_is_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ApiClient(AbstractApplication):
    """An OAuth2 client (DOT Application) bound to an organisation: the seed's API user."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_clients")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.client_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
