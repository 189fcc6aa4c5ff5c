"""The ``jti`` column goes; the digest is required and unique, as the ``jti`` was."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_signin_digest_jtis"),
    ]

    operations = [
        migrations.RemoveField(model_name="signin", name="refresh_jti"),
        migrations.AlterField(
            model_name="signin",
            name="refresh_digest",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
