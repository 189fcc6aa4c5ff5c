import hashlib

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from ua_parser import parse

from .managers import UserManager


class User(AbstractBaseUser, PermissionsMixin):
    """A shopper or a member of staff; the e-mail address is the login name.

    Defined before the first migration so that no later migration has to swap
    ``AUTH_USER_MODEL``.
    """

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Whether the user can sign in to the admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)


def jti_digest(jti: str) -> str:
    """What the database keeps of a refresh token: the SHA-256 of its ``jti`` (hex).

    Enough to tell the current token from a rotated-out one, and useless for making a
    token: a database backup or a member of staff reads no token and no ``jti`` that,
    with a leaked signing key, would mint the current one. Unsalted, because a ``jti``
    is 128 random bits: there is nothing to guess.
    """
    return hashlib.sha256(jti.encode()).hexdigest()


class SignIn(models.Model):
    """One device's sign-in: a chain of rotating refresh tokens with one current token.

    The refresh tokens carry this row's id (``sid``). A refresh token whose ``jti`` does
    not hash to ``refresh_digest`` was rotated out; presenting it again after the grace
    window means it was copied, and every sign-in of the user is revoked. No token is
    stored, in this table or any other.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_refreshed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    refresh_digest = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at", "-last_refreshed_at"])]

    def __str__(self):
        return f"{self.user} on {self.device}"

    @property
    def device(self):
        """A readable device name such as "Firefox on Ubuntu", from the user agent."""
        result = parse(self.user_agent) if self.user_agent else None
        if result is None or result.user_agent is None:
            return "Unknown device"
        browser = result.user_agent.family
        return f"{browser} on {result.os.family}" if result.os else browser
