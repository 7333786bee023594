"""`switchboard web`: the portal and both APIs under gunicorn (static files by WhiteNoise)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal and the APIs with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, bind: str, workers: int, **options):
        call_command("collectstatic", interactive=False, verbosity=0)  # WhiteNoise serves them from STATIC_ROOT
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "switchboard.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ]
        os.execv(sys.executable, argv)  # noqa: S606  gunicorn replaces this process
