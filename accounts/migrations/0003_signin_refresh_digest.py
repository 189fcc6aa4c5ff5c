"""Sign-ins keep the SHA-256 of their current refresh token's ``jti``, not the ``jti``:
first the new column beside the old one (0004 fills it, 0005 drops the old one; separate
migrations because PostgreSQL refuses schema changes after data changes in one
transaction).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_signin"),
    ]

    operations = [
        migrations.AddField(
            model_name="signin",
            name="refresh_digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="signin",
            name="refresh_jti",
            field=models.CharField(max_length=64, null=True),
        ),
    ]
