"""Domain errors of identity; they know nothing of HTTP (see shop/api_errors.py)."""


class InvalidToken(Exception):
    """A token that is malformed, forged, expired, revoked or of the wrong type."""


class TokenReused(InvalidToken):
    """A rotated-out refresh token came back after the grace window: treat it as stolen."""


class InvalidCredentials(Exception):
    """The e-mail address and password do not match an active user."""


class LoginThrottled(Exception):
    """Too many failed sign-ins: this attempt must wait ``retry_after`` seconds (the
    policy is in ``accounts.throttling``; the message does not say which limit)."""

    def __init__(self, retry_after):
        self.retry_after = max(1, int(retry_after))
        if self.retry_after < 60:
            amount, unit = self.retry_after, "second"
        else:
            amount, unit = -(-self.retry_after // 60), "minute"
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {amount} {unit}"
            f"{'s' if amount != 1 else ''}."
        )


class InvalidLink(Exception):
    """A password reset or e-mail change link that is malformed, forged, used or expired."""

    def __init__(self, message="This link is invalid or has expired. Please ask for a new one."):
        super().__init__(message)


class MailUnavailable(Exception):
    """The mail server did not take a message that the user waits for."""

    def __init__(self, message="E-mail cannot be sent for a moment. Please try again shortly."):
        super().__init__(message)


class IdentityUnavailable(Exception):
    """Redis, which makes logout immediate, did not answer; identity cannot be checked."""

    def __init__(self, message="Signing in is unavailable for a moment. Please try again."):
        super().__init__(message)
