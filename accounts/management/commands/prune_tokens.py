"""Delete what identity no longer needs: expired tokens and ended sign-ins.

Deployments schedule it (a Kubernetes CronJob, cron, a systemd timer) once a day;
nothing breaks if it runs late, the tables only grow.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from accounts.models import SignIn


class Command(BaseCommand):
    help = "Flush expired refresh tokens (outstanding and blacklisted) and ended sign-ins."

    def handle(self, *args, **options):
        # simplejwt's own command: expired outstanding tokens and, by cascade, their
        # blacklist rows.
        call_command("flushexpiredtokens", stdout=self.stdout)
        deleted, _ = SignIn.objects.filter(
            Q(expires_at__lt=timezone.now()) | Q(revoked_at__isnull=False)
        ).delete()
        self.stdout.write(f"Deleted {deleted} ended sign-ins.")
