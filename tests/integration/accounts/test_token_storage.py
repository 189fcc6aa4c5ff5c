"""Refresh tokens at rest: the database keeps a digest of the current ``jti`` per sign-in,
no token and no ``jti``, and the admin shows neither; the migration converts an existing
database (simplejwt's token tables with whole tokens in them) without signing anyone out.
"""

import hashlib

import pytest
from django.contrib import admin
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import SignIn
from accounts.tokens import RefreshToken
from tests.factories import make_staff

from .conftest import browser_sign_in

TEXT_TYPES = ("char", "text", "json", "uuid")


def _text_columns():
    """``(table, column)`` for every text-like column of every table of the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        return [(t, c) for t, c, kind in cursor.fetchall() if kind.startswith(TEXT_TYPES)]


def _columns_holding(needle):
    """Every ``table.column`` with a value that contains ``needle``."""
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            quoted_table, quoted_column = (connection.ops.quote_name(n) for n in (table, column))
            # Names from the database's own catalogue, quoted by Django; the value a parameter.
            cursor.execute(
                f"SELECT 1 FROM {quoted_table} WHERE {quoted_column}::text LIKE %s LIMIT 1",  # noqa: S608
                [f"%{needle}%"],
            )
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


def _secrets(raw_refresh):
    """The token itself, its signature alone, and its ``jti``."""
    return [raw_refresh, raw_refresh.rsplit(".", 1)[1], RefreshToken(raw_refresh)["jti"]]


@pytest.mark.django_db
def test_no_column_of_any_table_holds_a_refresh_token_or_its_jti(client, user, api_tokens):
    rotated_out = api_tokens()["refresh"]
    current = services.sign_in_refresh(raw_refresh=rotated_out).refresh
    browser = browser_sign_in(user)
    cookie = browser.cookies["shop_refresh"].value

    for raw in (rotated_out, current, cookie):
        for secret in _secrets(raw):
            assert _columns_holding(secret) == [], secret
    assert {s.refresh_digest for s in SignIn.objects.all()} == {
        hashlib.sha256(RefreshToken(raw)["jti"].encode()).hexdigest() for raw in (current, cookie)
    }
    assert _text_columns(), "the scan read no column at all"


@pytest.mark.django_db
def test_the_admin_shows_no_token_on_any_page_of_any_registered_model(user, api_tokens):
    refresh = api_tokens()["refresh"]
    staff_password = "a long staff password"
    staff = make_staff(password=staff_password)
    staff_browser = Client()
    staff_browser.post("/admin/login/", {"username": staff.email, "password": staff_password})
    secrets = [
        *_secrets(refresh),
        *_secrets(staff_browser.cookies["shop_refresh"].value),
    ]

    pages = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        urls += [
            reverse("admin:{}_{}_change".format(*info), args=[pk])
            for pk in model_admin.get_queryset(None).values_list("pk", flat=True)[:5]
        ]
        for url in urls:
            response = staff_browser.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert not [s for s in secrets if s in page], url
            pages += 1
    assert pages > len(admin.site._registry)  # change pages were read, not only lists


OLD_TOKEN = "header.payload.signature-of-a-token-kept-whole"


@pytest.mark.django_db(transaction=True)
def test_the_migration_digests_existing_sign_ins_and_drops_simplejwt_tables(user, api_tokens):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("accounts")
    pair = api_tokens()
    jti = RefreshToken(pair["refresh"])["jti"]
    executor.migrate([("accounts", "0002_signin")])
    with connection.cursor() as cursor:  # as a database that ran simplejwt's app
        cursor.execute("SELECT refresh_jti FROM accounts_signin")
        assert cursor.fetchone() == (hashlib.sha256(jti.encode()).hexdigest(),)
        cursor.execute("UPDATE accounts_signin SET refresh_jti = %s, revoked_at = NULL", [jti])
        cursor.execute(
            "CREATE TABLE token_blacklist_outstandingtoken (id bigserial PRIMARY KEY, "
            "jti varchar(255) UNIQUE, token text, created_at timestamptz, "
            "expires_at timestamptz, user_id bigint REFERENCES accounts_user (id))"
        )
        cursor.execute(
            "CREATE TABLE token_blacklist_blacklistedtoken (id bigserial PRIMARY KEY, "
            "blacklisted_at timestamptz, "
            "token_id bigint UNIQUE REFERENCES token_blacklist_outstandingtoken (id))"
        )
        cursor.execute(
            "INSERT INTO token_blacklist_outstandingtoken (jti, token, expires_at, user_id) "
            "VALUES (%s, %s, now(), %s)",
            [jti, OLD_TOKEN, user.pk],
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('token_blacklist', '0001_initial', now())"
        )

    MigrationExecutor(connection).migrate(latest)

    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith("token_blacklist")]
    assert _columns_holding(OLD_TOKEN) == [] and _columns_holding(jti) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'token_blacklist'")
        assert cursor.fetchone() == (0,)
    assert services.sign_in_refresh(raw_refresh=pair["refresh"]).refresh  # still signed in
    user.delete()  # no foreign key from a dropped table holds the user back


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_on_a_database_that_never_had_simplejwt_tables():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("accounts")
    executor.migrate([("accounts", "0002_signin")])

    MigrationExecutor(connection).migrate(latest)

    assert "accounts_signin" in connection.introspection.table_names()


@pytest.mark.django_db
def test_redis_holds_no_live_token_and_a_racing_tab_still_gets_the_same_pair(
    client, api_tokens, redis
):
    old = api_tokens()["refresh"]
    first = services.sign_in_refresh(raw_refresh=old)

    stored = b"".join(
        redis.get(key) if redis.type(key) == b"string" else b"".join(redis.smembers(key))
        for key in redis.keys("*")
    )
    racing = services.sign_in_refresh(raw_refresh=old)  # a second tab, within the window

    for secret in (first.refresh, first.access, *_secrets(first.refresh)[1:]):
        assert secret.encode() not in stored
    assert racing == first
