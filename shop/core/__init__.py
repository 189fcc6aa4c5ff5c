"""Building blocks that every app may use: the idempotency runner, API input helpers.

This package imports no app of the project (``accounts``, ``carts``, ``shop.catalog``,
``shop.orders``) and nothing of the project's wiring (``shop.urls``, ``shop.api_errors``,
...), so the apps can depend on it without a cycle; tests/unit/test_import_cycles.py
checks it.
"""
