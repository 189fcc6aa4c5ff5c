"""The database connection runs with the statement timeout of the settings."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_connection_runs_with_the_statement_timeout_of_the_settings():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("5s",)
