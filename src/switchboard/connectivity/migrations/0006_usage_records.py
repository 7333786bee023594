"""Usage records of data sessions: the open session's bytes not yet in a record, and since when."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('connectivity', '0005_room_for_hot_updates'),
    ]

    operations = [
        migrations.AddField(
            model_name='sim',
            name='record_rx',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='sim',
            name='record_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='sim',
            name='record_tx',
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
