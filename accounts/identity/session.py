"""The legacy identity: Django's own session login, behind the identity interface.

Everything is delegated to ``django.contrib.auth`` (``login``, ``logout``,
``update_session_auth_hash``), so the legacy profile behaves as classic Django does;
the session cookie is written by ``SessionMiddleware``, not here.
"""

from django.contrib.auth import get_user, login, logout, update_session_auth_hash

from .base import BaseIdentity


class SessionIdentity(BaseIdentity):
    """Who a request is, from its session (``request.session``)."""

    carried_by_cookie = True

    @property
    def user_id(self):
        user = self.request.user  # loaded once per request by get_user, as Django does
        return user.pk if user.is_authenticated else None

    def get_user(self):
        return get_user(self.request)

    @property
    def sign_in_id(self):
        return None  # sessions have no device rows

    def sign_in(self, user):
        login(self.request, user)  # cycles the session key, rotates CSRF, announces

    def sign_out(self):
        logout(self.request)  # flushes the session and announces

    def password_changed(self, user):
        update_session_auth_hash(self.request, user)  # keep this session, end the others

    def update(self, response):
        pass  # SessionMiddleware saves the session and sets its cookie
