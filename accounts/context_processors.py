def identity(request):
    """``signed_in`` for templates, known from the token alone (no database query)."""
    cookies = getattr(request, "auth_cookies", None)
    if cookies is None:  # the legacy profile: Django's session user
        return {"signed_in": request.user.is_authenticated}
    return {"signed_in": cookies.user_id() is not None}
