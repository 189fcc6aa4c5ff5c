from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Registers the system checks, the schema extension and the revocation receivers.
        from . import checks, schema, signals  # noqa: F401


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin on our site class, whose sign-in issues JWT cookies."""

    default = False  # the default config of this module is AccountsConfig
    default_site = "accounts.sites.ShopAdminSite"
