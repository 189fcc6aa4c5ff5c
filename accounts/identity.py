"""Who is signed in, as a user id, without loading the user from the database."""


def authenticated_user_id(request):
    """The id of the request's signed-in user, or None.

    Bearer API requests: set by ``JWTAuthentication``. Browsers: from the access cookie.
    The legacy profile: Django's session user (which loads the row, as sessions do).
    """
    user_id = getattr(request, "authenticated_user_id", None)
    if user_id is not None:
        return user_id
    cookies = getattr(request, "auth_cookies", None)
    if cookies is not None:
        return cookies.user_id()
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None
