"""Django's ``check``, where ``--tag stateless`` also runs the statelessness audit.

The ``stateless`` checks (shop/migration/checks.py) are registered as deployment checks,
so that a legacy shop under audit still runs ``migrate`` and ``runserver``; asking for
the tag is asking for them, as ``--deploy`` asks for Django's own.
"""

from django.core.management.commands import check

from shop.migration.checks import TAG


class Command(check.Command):
    help = (
        f"{check.Command.help} With --tag {TAG}, also the deployment-only {TAG} checks: "
        "where this configuration keeps state that round robin breaks (errors) or that "
        "the migration removes (warnings)."
    )

    def handle(self, *app_labels, **options):
        if TAG in (options["tags"] or []):
            options["deploy"] = True
        return super().handle(*app_labels, **options)
