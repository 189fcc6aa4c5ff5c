from .exceptions import IdentityUnavailable


def identity(request):
    """``signed_in`` for templates, known from the token alone (no database query).

    A callable, so that templates that never ask (the cacheable catalog) do not look at
    the cookies at all: looking may rotate them, and a shared page must set no cookie.
    """
    cookies = getattr(request, "auth_cookies", None)
    if cookies is None:  # the legacy profile: Django's session user
        return {"signed_in": lambda: request.user.is_authenticated}

    def signed_in():
        try:
            return cookies.user_id() is not None
        except IdentityUnavailable:
            return False  # the header only; pages that need the user answer 503

    return {"signed_in": signed_in}
