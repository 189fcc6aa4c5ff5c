"""Account pages: register, sign in, sign out, and the account page with its devices."""

from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from . import selectors, services
from .exceptions import InvalidToken
from .forms import RegisterForm, SignInForm


def _sign_in(request, user):
    """Sign the browser in: JWT cookies, or Django's session login in the legacy profile.

    Which one follows from the middleware in use (``JWTCookieMiddleware`` sets
    ``request.auth_cookies``), so the profiles differ in settings only.
    """
    cookies = getattr(request, "auth_cookies", None)
    if cookies is None:
        auth_login(request, user)  # rotates the CSRF token and sends user_logged_in
        return
    cookies.signed_in(services.sign_in_start(request=request, user=user))
    rotate_token(request)  # a new CSRF secret for the new identity


def _sign_out(request):
    """End this browser's sign-in (its refresh and access tokens die now)."""
    cookies = getattr(request, "auth_cookies", None)
    if cookies is None:
        auth_logout(request)
        return
    refresh = request.COOKIES.get(settings.AUTH_REFRESH_COOKIE)
    if refresh:
        # Already ended or expired: signing out is what the user wants anyway.
        with suppress(InvalidToken):
            services.sign_out(raw_refresh=refresh)
    user = request.user if request.user.is_authenticated else None
    cookies.signed_out()
    # As Django's logout() does: the carts app resets the header's count on it.
    user_logged_out.send(sender=type(user), request=request, user=user)


def _current_sign_in(request):
    cookies = getattr(request, "auth_cookies", None)
    return cookies.sign_in_id() if cookies is not None else None


class SignInView(auth_views.LoginView):
    """Django's LoginView, signing in with JWT cookies instead of a session."""

    form_class = SignInForm
    template_name = "accounts/login.html"

    def form_valid(self, form):
        _sign_in(self.request, form.get_user())
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response


class SignOutView(auth_views.LogoutView):
    """Ends this browser's sign-in (its refresh and access tokens die now)."""

    # Not the catalog: its pages are cacheable and never show flash messages.
    next_page = "accounts:login"

    def post(self, request, *args, **kwargs):
        _sign_out(request)
        messages.info(request, "You are signed out.")
        # LogoutView.post without its logout(), which _sign_out has done the right way.
        redirect_to = self.get_success_url()
        if redirect_to != request.get_full_path():
            return HttpResponseRedirect(redirect_to)
        return self.get(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changes the password, ends every sign-in and signs this browser in again."""

    template_name = "accounts/account.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        cookies = getattr(self.request, "auth_cookies", None)
        if cookies is None:  # legacy: Django's own way, keeping this session
            form.save()
            update_session_auth_hash(self.request, form.user)
        else:
            cookies.signed_in(
                services.user_change_password(
                    user=form.user,
                    new_password=form.cleaned_data["new_password1"],
                    user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
                )
            )
            rotate_token(self.request)
        messages.success(self.request, "Password changed. Every other device was signed out.")
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_account_context(self.request)}


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("password1" if field == "password" else field, errors)
        else:
            _sign_in(request, user)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("accounts:account")
    return render(
        request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def account(request):
    context = {"form": PasswordChangeForm(request.user), **_account_context(request)}
    return render(request, "accounts/account.html", context)


@require_POST
@login_required
def end_sign_in(request, sign_in_id):
    services.sign_in_revoke(user_id=request.user.pk, ids=[sign_in_id])
    if sign_in_id == _current_sign_in(request):
        _sign_out(request)
        return redirect(reverse("accounts:login"))
    messages.success(request, "That device is signed out.")
    return redirect("accounts:account")


@require_POST
@login_required
def sign_out_everywhere(request):
    count = services.user_revoke_all(user_id=request.user.pk)
    _sign_out(request)
    messages.success(request, f"Signed out on {count} device{'s' if count != 1 else ''}.")
    return redirect("accounts:login")


def _account_context(request):
    return {
        "sign_ins": selectors.active_sign_ins(user_id=request.user.pk),
        "current_sign_in": _current_sign_in(request),
    }
