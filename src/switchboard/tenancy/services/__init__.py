"""Writes of the tenancy context. Every function is atomic, checks the principal's permission, audits, emits."""

from .accounts import (
    address_create,
    address_delete,
    address_update,
    billing_address_set,
    organisation_create_child,
    organisation_update,
)
from .api_clients import api_client_create, api_client_revoke
from .auth import (
    language_set,
    login_attempt,
    password_reset_request,
    password_set,
    password_token_check,
    profile_update,
)
from .members import member_invite, member_remove, member_update
from .seeding import organisation_create_root

__all__ = [
    "address_create",
    "address_delete",
    "address_update",
    "api_client_create",
    "api_client_revoke",
    "billing_address_set",
    "language_set",
    "login_attempt",
    "member_invite",
    "member_remove",
    "member_update",
    "organisation_create_child",
    "organisation_create_root",
    "organisation_update",
    "password_reset_request",
    "password_set",
    "password_token_check",
    "profile_update",
]
