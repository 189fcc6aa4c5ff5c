from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import SignIn

pytestmark = pytest.mark.django_db


def test_prune_tokens_deletes_expired_and_ended_sign_ins_only(user):
    kept = services.sign_in_create(user=user)
    ended = services.sign_in_create(user=user)
    services.sign_out(raw_refresh=ended.refresh)
    services.sign_in_create(user=user)  # about to expire
    expired_sign_in = SignIn.objects.order_by("-pk").first()
    past = timezone.now() - timedelta(days=1)
    SignIn.objects.filter(pk=expired_sign_in.pk).update(expires_at=past)
    rotated = services.sign_in_refresh(raw_refresh=kept.refresh)
    out = StringIO()

    call_command("prune_tokens", stdout=out)

    remaining = SignIn.objects.get()
    assert remaining.user == user and remaining.revoked_at is None
    assert "Deleted 2 ended sign-ins." in out.getvalue()
    assert services.sign_in_refresh(raw_refresh=rotated.refresh).refresh  # still signed in
