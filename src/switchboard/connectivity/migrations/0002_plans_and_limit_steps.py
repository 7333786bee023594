"""Every installation starts with the standard SIM plan and the monthly limit steps of the 1NCE portal."""

from django.db import migrations

MB = 1_000_000
STEPS = [("data", n * MB) for n in (1, 5, 10, 50, 100, 500)] + [
    (service, n) for service in ("smsMO", "smsMT") for n in (10, 50, 100, 250)
]


def create(apps, schema_editor):
    SimPlan = apps.get_model("connectivity", "SimPlan")
    LimitStep = apps.get_model("connectivity", "LimitStep")
    if not SimPlan.objects.exists():
        SimPlan.objects.create(name="Standard", lifetime_months=120, data_bytes=500 * MB, sms=250, is_default=True)
    for service, amount in STEPS:
        LimitStep.objects.get_or_create(service=service, amount=amount)


class Migration(migrations.Migration):
    dependencies = [("connectivity", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
