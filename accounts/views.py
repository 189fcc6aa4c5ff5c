"""Account pages: register, sign in, sign out, the account page with its devices, and
account recovery (password reset, e-mail change).

Signing in and out goes through ``request.identity`` (``accounts.identity``), so these
views are the same whichever way the profile carries a sign-in. Recovery decisions are
``accounts.recovery``'s, shared with the API.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from shop.core.throttling import throttle_page

from . import recovery, selectors, services
from .exceptions import InvalidLink
from .forms import EmailChangeForm, RegisterForm, SignInForm
from .throttling import (
    EmailChangeThrottle,
    PasswordResetAddressThrottle,
    PasswordResetEmailThrottle,
    RegisterThrottle,
)


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


@require_POST
@login_required
@throttle_page(EmailChangeThrottle)
def email_change(request):
    """Send a confirmation link to the new address; the change waits for it."""
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            recovery.email_change_request(request=request, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            new_email = form.cleaned_data["new_email"]
            messages.success(
                request, f"We sent a link to {new_email}: your address changes when you open it."
            )
            return redirect("accounts:account")
    context = {
        "form": PasswordChangeForm(request.user),
        **_account_context(request),
        "email_form": form,
    }
    return render(request, "accounts/account.html", context, status=400)


@throttle_page(EmailChangeThrottle)
def email_change_confirm(request, token):
    """The link sent to the new address: a confirmation button, which applies the change."""
    try:
        change = recovery.email_change_pending(token=token)
    except InvalidLink as exc:
        return _link_page(request, "accounts/email_change_confirm.html", {"invalid": exc})
    error = None
    if request.method == "POST":
        try:
            user = recovery.email_change_confirm(token=token)
        except ValidationError as exc:
            error = exc.message_dict["new_email"][0]
        else:
            messages.success(request, f"Your e-mail address is now {user.email}.")
            signed_in = request.user.is_authenticated and request.user.pk == user.pk
            return redirect("accounts:account" if signed_in else "accounts:login")
    context = {"old": change["old"], "new": change["new"], "error": error}
    return _link_page(request, "accounts/email_change_confirm.html", context, error and 400)


@throttle_page(PasswordResetAddressThrottle, PasswordResetEmailThrottle)
def password_reset(request):
    """Ask for a reset link; the answer is the same whether the address has an account."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recovery.password_reset_request(request=request, email=form.cleaned_data["email"])
        return redirect("accounts:password-reset-sent")
    status = 400 if form.errors else 200
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


@throttle_page(PasswordResetAddressThrottle)
def password_reset_confirm(request, uidb64, token):
    """The link of the reset e-mail: the new password, which ends every sign-in."""
    template = "accounts/password_reset_confirm.html"
    try:
        user = recovery.password_reset_user(uidb64=uidb64, token=token)
    except InvalidLink as exc:
        return _link_page(request, template, {"invalid": exc})
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.password_reset_complete(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict["new_password"])
        except InvalidLink as exc:  # used a moment ago, in another tab
            return _link_page(request, template, {"invalid": exc})
        else:
            messages.success(
                request, "Your password is changed and every device is signed out. Sign in again."
            )
            return redirect("accounts:login")
    return _link_page(request, template, {"form": form}, form.errors and 400)


def _link_page(request, template, context, status=None):
    """A page whose URL holds a token: it is not sent on as a referrer, even to us (the
    load balancer's access log records referrers)."""
    status = status or (400 if "invalid" in context else 200)
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _account_context(request):
    return {
        "sign_ins": selectors.active_sign_ins(user_id=request.user.pk),
        "current_sign_in": request.identity.sign_in_id,
        "email_form": EmailChangeForm(),
    }
