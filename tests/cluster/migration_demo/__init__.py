"""``make demo-migration``: one scripted shopper against the migration's set-ups.

The same journey (sign in, fill a cart from two tabs at once, look at an uploaded
product image) runs against legacy, sticky legacy, database-session legacy, the bridge
release in a mixed fleet and the stateless release, each on real gunicorn instances
behind a real nginx on loopback. What the shopper saw is counted, printed as a table
and written to docs/migration-demo.md (``report``); tests/cluster/test_migration_demo.py
runs a shortened journey and asserts each set-up's outcome.

It lives outside deploy/ on purpose: the sticky set-up configures ``ip_hash``, and
nothing under deploy/ may configure session affinity.

Nothing is imported here: ``python -m`` imports this package before ``__main__`` has
configured Django, and ``runner`` needs the models.
"""
