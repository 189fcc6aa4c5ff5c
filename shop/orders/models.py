import secrets

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

# Crockford's base32 without the look-alikes: easy to read out over the phone.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_order_number():
    """A random, human-readable order number such as "SS-7K4Q-9XTM"."""
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"SS-{chars[:4]}-{chars[4:]}"


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    # Orders are records: a user with orders cannot be deleted by accident.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(max_length=20, unique=True, default=new_order_number, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    ship_name = models.CharField("name", max_length=100)
    ship_line1 = models.CharField("address", max_length=200)
    ship_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100)
    ship_postal_code = models.CharField(
        "postal code",
        max_length=20,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 -]*$", "Letters, digits, spaces, -.")],
    )
    ship_country = models.CharField(
        "country",
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", "A two-letter country code, such as FR.")],
    )
    subtotal = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    payment_method = models.CharField(max_length=50)
    # The client's Idempotency-Key and a digest of its request: the unique constraint is
    # what guarantees one order per key, even when Redis has lost its records.
    idempotency_key = models.CharField(max_length=255, editable=False)
    request_fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="orders_order_one_per_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_history"),
            models.Index(fields=["status", "-created_at"], name="order_status"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:order-detail", kwargs={"order_id": self.pk})

    @property
    def shipping_address(self):
        return {
            "name": self.ship_name,
            "line1": self.ship_line1,
            "line2": self.ship_line2,
            "city": self.ship_city,
            "postal_code": self.ship_postal_code,
            "country": self.ship_country,
        }


class OrderLine(models.Model):
    """A line as it was bought: name and price are copied, never looked up again."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # The product may be deleted later; the line keeps its own copy of what matters.
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} x {self.product_name}"
