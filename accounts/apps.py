from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import schema, signals  # noqa: F401  (registers the schema extension and receivers)


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin on our site class, whose sign-in issues JWT cookies."""

    default = False  # the default config of this module is AccountsConfig
    default_site = "accounts.sites.ShopAdminSite"
