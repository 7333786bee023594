from datetime import datetime

from ninja import Schema
from pydantic import Field


class OrganisationOut(Schema):
    id: int
    kind: str
    customer_number: str
    company_name: str
    invoice_email: str
    phone: str
    vat_id: str
    parent_id: int | None


class OrganisationUpdateIn(Schema):
    company_name: str
    invoice_email: str
    phone: str = ""
    vat_id: str = ""


class AddressIn(Schema):
    name: str
    company: str = ""
    street: str
    extra: str = ""
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166 alpha-2, e.g. DE")


class AddressOut(AddressIn):
    id: int
    kind: str


class ChildOrganisationIn(Schema):
    kind: str = Field("", description="reseller, customer or sub_organisation; defaults to what fits below you")
    company_name: str
    invoice_email: str
    owner_email: str
    owner_first_name: str
    owner_last_name: str
    billing_address: AddressIn | None = None


class ChildOrganisationOut(Schema):
    id: int
    kind: str
    customer_number: str
    company_name: str
    sim_count: int
    created_at: datetime


class MemberIn(Schema):
    email: str
    first_name: str
    last_name: str
    role: str = Field(description="owner, admin, user or read_only")


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    first_name: str
    last_name: str
    role: str
    is_original_owner: bool
    password_set: bool


class ApiClientIn(Schema):
    username: str = Field(description="Becomes the client ID after your customer number and an underscore")
    secret: str | None = Field(None, description="Leave out to have a strong secret generated")


class ApiClientOut(Schema):
    id: int
    client_id: str
    name: str
    active: bool
    created: datetime
    revoked_at: datetime | None


class ApiClientCreatedOut(ApiClientOut):
    client_secret: str = Field(description="Shown only in this response; only its hash is stored")


class MeOut(Schema):
    kind: str
    label: str
    role: str
    permissions: list[str]
    organisation: OrganisationOut
