"""Saving or deleting a product invalidates the product summaries of every process."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Product
from .summaries import bump_catalog_version


@receiver([post_save, post_delete], sender=Product, dispatch_uid="catalog_bump_version")
def product_changed(sender, **kwargs):
    # After commit: another process must not cache the old row under the new version.
    # robust: if Redis is down the save stands; summaries age out within CATALOG_CACHE_SECONDS.
    transaction.on_commit(bump_catalog_version, robust=True)
