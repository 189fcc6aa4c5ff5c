"""Delete what identity no longer needs: sign-ins that expired or were ended.

Deployments schedule it (a Kubernetes CronJob, cron, a systemd timer) once a day;
nothing breaks if it runs late, the table only grows. A sign-in row is all there is of
its refresh tokens (a digest of the current one's ``jti``), so deleting it is the whole
clean-up.
"""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from accounts.models import SignIn


class Command(BaseCommand):
    help = "Delete expired and ended sign-ins (and with them what is left of their tokens)."

    def handle(self, *args, **options):
        deleted, _ = SignIn.objects.filter(
            Q(expires_at__lt=timezone.now()) | Q(revoked_at__isnull=False)
        ).delete()
        self.stdout.write(f"Deleted {deleted} ended sign-ins.")
