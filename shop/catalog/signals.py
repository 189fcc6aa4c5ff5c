"""Saving or deleting a product or a category invalidates every process's product
summaries and catalog pages (the listing names the categories)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category, Product
from .summaries import bump_catalog_version


@receiver([post_save, post_delete], sender=Product, dispatch_uid="catalog_bump_version")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="catalog_bump_category")
def catalog_changed(sender, **kwargs):
    # After commit: another process must not cache the old row under the new version.
    # robust: if Redis is down the save stands; summaries and pages age out within
    # CATALOG_CACHE_SECONDS.
    transaction.on_commit(bump_catalog_version, robust=True)
