from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "carts"
    verbose_name = "Carts"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers checks and the merge)
