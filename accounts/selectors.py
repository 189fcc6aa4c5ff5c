from django.db.models import QuerySet
from django.utils import timezone

from .models import SignIn


def active_sign_ins(*, user_id: int) -> QuerySet[SignIn]:
    """The user's sign-ins that can still refresh, most recently used first."""
    return SignIn.objects.filter(
        user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_refreshed_at")
