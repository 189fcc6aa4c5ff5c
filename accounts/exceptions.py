"""Domain errors of identity; they know nothing of HTTP (see shop/api_errors.py)."""


class InvalidToken(Exception):
    """A token that is malformed, forged, expired, revoked or of the wrong type."""


class TokenReused(InvalidToken):
    """A rotated-out refresh token came back after the grace window: treat it as stolen."""


class InvalidCredentials(Exception):
    """The e-mail address and password do not match an active user."""


class LoginThrottled(Exception):
    """Too many failed sign-ins for this e-mail address or client address."""

    def __init__(self, retry_after):
        self.retry_after = max(1, int(retry_after))
        minutes = -(-self.retry_after // 60)
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}."
        )


class IdentityUnavailable(Exception):
    """Redis, which makes logout immediate, did not answer; identity cannot be checked."""

    def __init__(self, message="Signing in is unavailable for a moment. Please try again."):
        super().__init__(message)
