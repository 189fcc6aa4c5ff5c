import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.urls import reverse

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]


def product_image_name(filename):
    """Return a fresh object key for an uploaded product image.

    Random names never collide across instances and never overwrite an image another
    product still points to; only the (lower-cased) extension of the upload is kept.
    """
    suffix = PurePosixPath(filename).suffix.lower()
    return f"products/{uuid.uuid4().hex}{suffix}"


def product_image_upload_to(instance, filename):
    return product_image_name(filename)


def validate_image_size(file):
    limit = settings.PRODUCT_IMAGE_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"The image is {file.size // 1024} KB; the limit is {limit // 1024} KB.",
            code="image_too_large",
        )


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    # A plain integer with a named CHECK constraint (below): the database, not Python,
    # is what stops two concurrent checkouts from taking stock below zero.
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    image = models.ImageField(
        upload_to=product_image_upload_to,
        blank=True,
        max_length=200,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image_size],
    )
    # Made from ``image`` when it is uploaded (see shop/catalog/images.py).
    thumbnail = models.ImageField(
        upload_to="products/thumbnails/", blank=True, max_length=200, editable=False
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="catalog_product_stock_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_product_price_non_negative"
            ),
        ]
        indexes = [
            # The storefront lists active products by category, name, price or newest.
            models.Index(fields=["is_active", "category", "name"], name="product_list_category"),
            models.Index(fields=["is_active", "name"], name="product_list_name"),
            models.Index(fields=["is_active", "price"], name="product_list_price"),
            models.Index(fields=["is_active", "-created_at"], name="product_list_newest"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product-detail", kwargs={"slug": self.slug})

    @property
    def image_url(self):
        """The public URL of the image, or "" without one; built locally, never asks S3."""
        return self.image.url if self.image else ""

    @property
    def thumbnail_url(self):
        """The URL of the listing-sized image, falling back to the full image."""
        return self.thumbnail.url if self.thumbnail else self.image_url
