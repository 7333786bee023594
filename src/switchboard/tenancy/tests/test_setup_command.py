import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from switchboard.tenancy.models import Membership

ARGS = [
    "--company",
    "Carrier AG",
    "--invoice-email",
    "ap@carrier.test",
    "--email",
    "Boss@Carrier.test",
    "--first-name",
    "Bea",
    "--last-name",
    "Boss",
]


def test_setup_creates_the_operator_once_and_mails_a_password_link(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("setup", *ARGS)
    owner = Membership.objects.get(organisation__kind="operator")
    assert owner.user.email == "boss@carrier.test" and owner.is_original_owner and owner.user.is_superuser
    assert not owner.user.has_usable_password()
    assert "/password/set/" in mail.outbox[-1].body
    with pytest.raises(CommandError, match="exists already"):
        call_command("setup", *ARGS)


def test_setup_reports_bad_input_by_field(db):
    with pytest.raises(CommandError, match="invoice_email"):
        call_command("setup", *[a if a != "ap@carrier.test" else "nope" for a in ARGS])
