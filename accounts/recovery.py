"""Account recovery: a password reset by e-mail, and an e-mail change confirmed by e-mail.

Both hold no state on the server: a reset link carries Django's
``PasswordResetTokenGenerator`` token (a hash of the user's password and last sign-in,
so it dies with the first use and with the next sign-in), an e-mail change link a value
signed by ``django.core.signing`` with a salt of its own, naming the user and both
addresses. Both expire after ``PASSWORD_RESET_TIMEOUT``. The pages and the API call the
same functions; rate limits are the callers' (``accounts.throttling``).

- ``password_reset_request`` sends a link to the active account with that address, if
  there is one; its caller answers the same either way.
- ``password_reset_complete`` sets the new password, which ends every sign-in of the
  user (``accounts.signals``), and clears the e-mail's sign-in counters: the owner,
  locked out by someone else's guesses, gets in again.
- ``email_change_request`` (the current password required) sends a link to the new
  address; nothing changes until ``email_change_confirm`` is called with its token,
  which applies the change and sends a notice to the old address.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from .exceptions import InvalidLink, MailUnavailable
from .throttling import LoginThrottle

logger = logging.getLogger(__name__)
User = get_user_model()
EMAIL_CHANGE_SALT = "accounts.email-change"
_EMAIL_TAKEN = "An account with this e-mail address already exists."


def password_reset_request(*, request, email: str) -> None:
    """E-mail a reset link to the active account whose address is ``email``, if any.

    Raises ``ValidationError`` only for something that is not an e-mail address; an
    unknown address, an inactive account or a mail server that fails are silent (the
    failure is logged), so the answer never says whether the address has an account.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        raise ValidationError({"email": list(form.errors["email"])})
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="accounts/emails/password_reset_subject.txt",
        email_template_name="accounts/emails/password_reset.txt",
        extra_email_context={"valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


def password_reset_user(*, uidb64: str, token: str) -> User:
    """The user a reset link names, if its token is still good; else ``InvalidLink``."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError) as exc:  # not base64, not text, not a number
        raise InvalidLink() from exc
    user = User.objects.filter(pk=pk, is_active=True).first() if 0 < pk < 2**63 else None
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidLink()
    return user


def password_reset_complete(*, uidb64: str, token: str, new_password: str) -> User:
    """Give the user of a good reset link ``new_password``; every sign-in ends.

    Raises ``InvalidLink`` (bad, used or expired link), ``ValidationError`` keyed
    ``new_password`` (a weak password), ``IdentityUnavailable`` (Redis down: the sign-ins
    could not be ended, so the password stays as it was).
    """
    user = password_reset_user(uidb64=uidb64, token=token)
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])  # ends every sign-in (accounts.signals)
    LoginThrottle.clear_email(user.email)
    return user


def email_change_request(*, request, user, new_email: str, password: str) -> None:
    """E-mail a confirmation link to ``new_email``; nothing changes until it is opened.

    Raises ``ValidationError`` keyed ``password`` (not the current one) or ``new_email``
    (the current address, or one that has an account), ``MailUnavailable`` when the
    link cannot be sent.
    """
    new_email = User.objects.normalize_email(new_email).strip()
    if not user.check_password(password):
        raise ValidationError({"password": ["This is not your current password."]})
    if new_email.lower() == user.email.lower():
        raise ValidationError({"new_email": ["This is already your e-mail address."]})
    if User.objects.filter(email__iexact=new_email).exists():
        raise ValidationError({"new_email": [_EMAIL_TAKEN]})
    token = signing.dumps(
        {"user": user.pk, "old": user.email, "new": new_email},
        salt=EMAIL_CHANGE_SALT,
        compress=True,
    )
    link = request.build_absolute_uri(reverse("accounts:email-change-confirm", args=[token]))
    _send("email_change", new_email, {"user": user, "new_email": new_email, "link": link})


def email_change_pending(*, token: str) -> dict:
    """``{"user", "old", "new"}`` a good e-mail change link names; else ``InvalidLink``.

    A link dies when it expires and once the account's address is no longer the one it
    was sent from (after its change applied, or any other).
    """
    try:
        change = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT
        )
    except signing.BadSignature as exc:  # also SignatureExpired
        raise InvalidLink() from exc
    user = User.objects.filter(pk=change["user"], is_active=True).first()
    if user is None or user.email != change["old"]:
        raise InvalidLink()
    return {"user": user, "old": change["old"], "new": change["new"]}


def email_change_confirm(*, token: str) -> User:
    """Apply the change a good link names and tell the old address.

    Raises ``InvalidLink``, or ``ValidationError`` keyed ``new_email`` when the new
    address got an account meanwhile.
    """
    change = email_change_pending(token=token)
    user = change["user"]
    user.email = change["new"]
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=change["new"]).exclude(pk=user.pk).exists():
                raise ValidationError({"new_email": [_EMAIL_TAKEN]})
            user.save(update_fields=["email"])
    except IntegrityError as exc:  # taken a moment ago on another instance
        raise ValidationError({"new_email": [_EMAIL_TAKEN]}) from exc
    try:
        _send("email_changed", change["old"], {"user": user, "old_email": change["old"]})
    except MailUnavailable:
        logger.exception("e-mail change of user %s: the notice to the old address failed", user.pk)
    return user


def _send(template, to, context):
    """Send ``accounts/emails/<template>.txt``; raises ``MailUnavailable``."""
    subject = render_to_string(f"accounts/emails/{template}_subject.txt", context)
    body = render_to_string(f"accounts/emails/{template}.txt", context)
    try:
        send_mail("".join(subject.splitlines()), body, None, [to])
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out
        raise MailUnavailable() from exc
