"""Volume notifications: the conditions an organisation is mailed about, and to whom."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('connectivity', '0006_usage_records'),
    ]

    operations = [
        migrations.CreateModel(
            name='VolumeNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('organisation_id', models.BigIntegerField(unique=True)),
                ('conditions', models.JSONField(blank=True, default=list)),
                ('user_ids', models.JSONField(blank=True, default=list)),
            ],
            options={
                'abstract': False,
            },
        ),
    ]
