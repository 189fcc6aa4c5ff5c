from .exceptions import IdentityUnavailable


def identity(request):
    """``signed_in`` for templates, from ``request.identity`` (no database query for tokens).

    A callable, so that templates that never ask (the cacheable catalog) do not look at
    the identity at all: looking may rotate cookies, and a shared page must set none.
    """

    def signed_in():
        try:
            return request.identity.user_id is not None
        except IdentityUnavailable:
            return False  # the header only; pages that need the user answer 503

    return {"signed_in": signed_in}
