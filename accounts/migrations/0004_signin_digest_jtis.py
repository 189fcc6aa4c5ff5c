"""Each sign-in's ``jti`` becomes its SHA-256 (``refresh_digest``).

Existing rows are converted in place, so every device stays signed in. Going back
cannot recover a ``jti`` from its digest: the backwards step ends every sign-in (each
device signs in again), rather than leave rows that the older code would read as
stolen tokens.
"""

import hashlib

from django.db import migrations, models
from django.utils import timezone

BATCH = 1000


def digest_jtis(apps, schema_editor):
    SignIn = apps.get_model("accounts", "SignIn")
    rows = SignIn.objects.filter(refresh_digest__isnull=True).only("pk", "refresh_jti")
    batch = []
    for sign_in in rows.iterator(chunk_size=BATCH):
        sign_in.refresh_digest = hashlib.sha256(sign_in.refresh_jti.encode()).hexdigest()
        batch.append(sign_in)
        if len(batch) == BATCH:
            SignIn.objects.bulk_update(batch, ["refresh_digest"])
            batch = []
    SignIn.objects.bulk_update(batch, ["refresh_digest"])


def end_every_sign_in(apps, schema_editor):
    SignIn = apps.get_model("accounts", "SignIn")
    SignIn.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    SignIn.objects.update(refresh_jti=models.F("refresh_digest"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_signin_refresh_digest"),
    ]

    operations = [
        migrations.RunPython(digest_jtis, end_every_sign_in, elidable=True),
    ]
