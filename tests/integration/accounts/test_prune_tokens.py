from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import SignIn

pytestmark = pytest.mark.django_db


def test_prune_tokens_deletes_expired_tokens_and_ended_sign_ins_only(user):
    kept = services.sign_in_create(user=user)
    ended = services.sign_in_create(user=user)
    services.sign_out(raw_refresh=ended.refresh)
    services.sign_in_create(user=user)  # about to expire
    expired_sign_in = SignIn.objects.order_by("-pk").first()
    past = timezone.now() - timedelta(days=1)
    SignIn.objects.filter(pk=expired_sign_in.pk).update(expires_at=past)
    OutstandingToken.objects.filter(jti=expired_sign_in.refresh_jti).update(expires_at=past)
    services.sign_in_refresh(raw_refresh=kept.refresh)  # blacklists kept's first token
    out = StringIO()

    call_command("prune_tokens", stdout=out)

    remaining = SignIn.objects.get()
    assert remaining.user == user and remaining.revoked_at is None
    assert not OutstandingToken.objects.filter(expires_at__lt=timezone.now()).exists()
    assert OutstandingToken.objects.filter(jti=remaining.refresh_jti).exists()
    assert BlacklistedToken.objects.count() == 2  # rotated-out and signed-out, not yet expired
    assert "Deleted 2 ended sign-ins." in out.getvalue()
