"""The SQLite fallback of `make run` survives concurrent writers without "database is locked"."""

import json
import os
import subprocess
import sys

from localcluster import BASE_DIR

SCRIPT = """
import json, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from shop.catalog.models import Category, Product

call_command("migrate", verbosity=0)
category = Category.objects.create(name="c", slug="c")
product = Product.objects.create(category=category, name="p", slug="p", price=1, stock=1000)
errors = []

def checkout():
    try:
        for _ in range(25):
            with transaction.atomic():
                # Read first, then write: the pattern that deadlocks deferred transactions.
                Product.objects.get(pk=product.pk)
                Product.objects.filter(pk=product.pk).update(stock=F("stock") - 1)
    except Exception as exc:  # reported to the test, which fails on any
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=checkout) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({
    "stock": Product.objects.get(pk=product.pk).stock,
    "errors": errors,
    "journal": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
}))
"""


def test_concurrent_writes_on_the_sqlite_fallback_all_succeed(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.stateless",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"stock": 1000 - 8 * 25, "errors": [], "journal": "wal"}
