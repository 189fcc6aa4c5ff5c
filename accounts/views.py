"""Account pages: register, sign in, sign out, and the account page with its devices.

Signing in and out goes through ``request.identity`` (``accounts.identity``), so these
views are the same whichever way the profile carries a sign-in.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from shop.core.throttling import throttle_page

from . import selectors, services
from .forms import RegisterForm, SignInForm
from .throttling import RegisterThrottle


class SignInView(auth_views.LoginView):
    """Django's LoginView, signing in through the request's identity."""

    form_class = SignInForm
    template_name = "accounts/login.html"

    def form_valid(self, form):
        self.request.identity.sign_in(form.get_user())
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
        request.identity.sign_out()
        messages.info(request, "You are signed out.")
        # LogoutView.post without its logout(): the identity has signed out its own way.
        redirect_to = self.get_success_url()
        if redirect_to != request.get_full_path():
            return HttpResponseRedirect(redirect_to)
        return self.get(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changes the password, ends every sign-in and signs this browser in again."""

    template_name = "accounts/account.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        # One transaction: if the old sign-ins cannot be ended (Redis down), the password
        # stays as it was and the shopper gets a 503, never a half-done change.
        with transaction.atomic():
            form.save()  # ends every sign-in of the user (accounts.signals)
            self.request.identity.password_changed(form.user)
        messages.success(self.request, "Password changed. Every other device was signed out.")
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_account_context(self.request)}


@throttle_page(RegisterThrottle)
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
            request.identity.sign_in(user)
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
    if sign_in_id == request.identity.sign_in_id:
        request.identity.sign_out()
        return redirect(reverse("accounts:login"))
    messages.success(request, "That device is signed out.")
    return redirect("accounts:account")


@require_POST
@login_required
def sign_out_everywhere(request):
    count = services.user_revoke_all(user_id=request.user.pk)
    request.identity.sign_out()
    messages.success(request, f"Signed out on {count} device{'s' if count != 1 else ''}.")
    return redirect("accounts:login")


def _account_context(request):
    return {
        "sign_ins": selectors.active_sign_ins(user_id=request.user.pk),
        "current_sign_in": request.identity.sign_in_id,
    }
