"""Room for in-page (HOT) updates in the tables every accounting packet rewrites: see core.storage."""

from django.db import migrations

from switchboard.core.storage import fill_factor


class Migration(migrations.Migration):
    dependencies = [("connectivity", "0004_ippool")]
    operations = [
        fill_factor({"connectivity_sim": 70, "connectivity_simconnectivity": 70, "connectivity_dailyusage": 80})
    ]
