"""`switchboard sims_assign_addresses`: static IPs for SIMs delivered before the pools existed (after an upgrade)."""

from django.core.management.base import BaseCommand

from switchboard.connectivity import services


class Command(BaseCommand):
    help = "Give every delivered SIM without a static IP address one from its organisation's pool."

    def handle(self, *args, **options):
        self.stdout.write(f"{services.backfill_addresses()} SIM(s) got a static IP address.")
