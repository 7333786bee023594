"""`switchboard setup`: create the operator at the top of the tree on a fresh installation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from switchboard.core.errors import DomainError
from switchboard.tenancy import selectors, services


class Command(BaseCommand):
    help = "Create the operator organisation and its owner (once). The owner is mailed a link to set a password."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="operator company name")
        parser.add_argument("--invoice-email", required=True)
        parser.add_argument("--email", required=True, help="login of the operator's owner")
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)

    def handle(self, *args, company, invoice_email, email, first_name, last_name, **options):
        if selectors.operator_exists():
            raise CommandError("An operator exists already; add staff through the portal's Users page.")
        try:
            owner = services.organisation_create_root(
                company_name=company,
                invoice_email=invoice_email,
                owner_email=email,
                owner_first_name=first_name,
                owner_last_name=last_name,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
        services.password_reset_request(email=owner.user.email)
        self.stdout.write(
            self.style.SUCCESS(
                f"Operator {company} created (customer number {owner.organisation.customer_number}). "
                f"A link to set the password of {owner.user.email} is on its way (run `switchboard worker`)."
            )
        )
