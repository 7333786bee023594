"""Room for in-page (HOT) updates of the sessions' running totals: see core.storage."""

from django.db import migrations

from switchboard.core.storage import fill_factor


class Migration(migrations.Migration):
    dependencies = [("aaa", "0001_initial")]
    operations = [fill_factor({"aaa_session": 70})]
