"""Domain errors of the idempotency runner; shop/api_errors.py maps them to HTTP."""


class InvalidIdempotencyKey(Exception):
    """The key is missing where required, empty, too long, or has control characters."""


class IdempotencyInProgress(Exception):
    """A request with this key is still running."""

    def __init__(self, message="A request with this Idempotency-Key is in progress."):
        super().__init__(message)


class IdempotencyMismatch(Exception):
    """This key was used with a different request."""

    def __init__(self, message="This Idempotency-Key was already used with a different request."):
        super().__init__(message)


class IdempotencyUnavailable(Exception):
    """Redis did not answer, so the key can be neither checked nor recorded."""

    def __init__(self, message="Requests with an Idempotency-Key cannot be handled for a moment."):
        super().__init__(message)
