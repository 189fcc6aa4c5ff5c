"""Drop simplejwt's ``token_blacklist`` tables, which kept every refresh token whole.

The app is no longer installed: sign-ins keep what revoking and reuse detection need
(``SignIn.refresh_digest``, ``revoked_at``). On a database that had the app, its two
tables go, raw tokens with them, and so do its rows in ``django_migrations`` (should
the app ever be installed again, ``migrate`` creates its tables afresh). On a new
database there is nothing to drop. Going back recreates nothing: the tokens are gone
for good, which is the point. Stale content types and permissions of the app are left
to ``manage.py remove_stale_contenttypes``.
"""

from django.db import migrations

TABLES = ("token_blacklist_blacklistedtoken", "token_blacklist_outstandingtoken")


def drop_tables(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in TABLES:  # the blacklist first: it points at the outstanding tokens
            if table in existing:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["token_blacklist"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_signin_drop_refresh_jti"),
    ]

    operations = [
        migrations.RunPython(drop_tables, migrations.RunPython.noop, elidable=True),
    ]
