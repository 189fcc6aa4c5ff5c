"""Tooling for moving a session-based Django shop to the stateless one.

``manage.py check --tag stateless`` (``checks``) and ``manage.py audit_code`` (``audit``)
say where a configuration and its code keep state; the legacy-session reader
(``legacy``) and the commands built on it move that state: ``audit_sessions``,
``migrate_session_carts``, ``migrate_media_to_s3``, ``end_legacy_sessions``.
"""
