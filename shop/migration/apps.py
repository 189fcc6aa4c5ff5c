from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "shop.migration"
    label = "stateless_migration"
    verbose_name = "Migration to stateless"

    def ready(self):
        from . import checks  # noqa: F401  (registers the stateless checks)
