"""Fill the shop with demo data; running it again changes nothing that is already there."""

import colorsys
import io
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from shop.catalog.images import thumbnail
from shop.catalog.models import Category, Product

CATALOG = {
    "Coffee": [
        "Ethiopia Yirgacheffe",
        "Colombia Huila",
        "Kenya AA",
        "Guatemala Antigua",
        "Sumatra Mandheling",
        "Brazil Cerrado",
        "Espresso Blend",
        "Decaf Swiss Water",
        "Cold Brew Pack",
        "Costa Rica Tarrazu",
        "Rwanda Nyamasheke",
        "House Blend",
    ],
    "Tea": [
        "Darjeeling First Flush",
        "Assam Breakfast",
        "Sencha",
        "Genmaicha",
        "Earl Grey",
        "Jasmine Pearls",
        "Oolong Tie Guan Yin",
        "Rooibos Vanilla",
        "Chamomile",
        "Matcha Ceremonial",
        "Pu-erh Cake",
        "Masala Chai",
    ],
    "Brewing": [
        "Pour-over Dripper",
        "Glass Carafe",
        "Gooseneck Kettle",
        "French Press",
        "Hand Grinder",
        "Digital Scale",
        "Paper Filters",
        "Moka Pot",
        "Aeropress",
        "Cold Brew Jar",
        "Milk Frother",
        "Tea Infuser",
    ],
    "Cups & Mugs": [
        "Stoneware Mug",
        "Espresso Cup Pair",
        "Double-wall Glass",
        "Travel Tumbler",
        "Porcelain Teacup",
        "Latte Bowl",
        "Enamel Camp Mug",
        "Cortado Glass",
        "Matcha Bowl",
        "Tasting Cup Set",
        "Tea Cup Trio",
        "Ceramic Saucer",
    ],
    "Books": [
        "The World Atlas of Coffee",
        "The Tea Enthusiast",
        "Espresso Science",
        "Roasting at Home",
        "Tea Ceremonies",
        "Café Stories",
        "Brew Ratios",
        "The Barista Handbook",
        "Water for Coffee",
        "Origins",
        "Leaves and Cups",
        "Slow Mornings",
    ],
}


class Command(BaseCommand):
    help = "Create demo categories, products with images in the bucket, and a staff user."

    def handle(self, *args, **options):
        rng = random.Random(42)
        created = uploaded = 0
        for index, (category_name, product_names) in enumerate(CATALOG.items()):
            category, _ = Category.objects.get_or_create(
                slug=slugify(category_name), defaults={"name": category_name}
            )
            hue = index / len(CATALOG)
            for name in product_names:
                product, was_created = self._product(category, name, rng)
                created += was_created
                if not product.image or not product.image.storage.exists(product.image.name):
                    picture = _image(name, hue)
                    product.image.save(f"{product.slug}.jpg", picture, save=False)
                    product.thumbnail.save(f"{product.slug}.jpg", thumbnail(picture), save=True)
                    uploaded += 1
        self.stdout.write(f"Catalog: {created} products created, {uploaded} images uploaded.")
        self._staff_user()

    @transaction.atomic
    def _product(self, category, name, rng):
        price = Decimal(rng.randrange(450, 9900)) / 100
        stock = rng.choice([0, 2, 5, 12, 25, 40, 100])
        return Product.objects.get_or_create(
            slug=slugify(name),
            defaults={
                "category": category,
                "name": name,
                "price": price,
                "stock": stock,
                "description": f"{name}, chosen for the {category.name.lower()} shelf. "
                "A demo product of stateless-shop.",
            },
        )

    def _staff_user(self):
        User = get_user_model()
        email, password = settings.DJANGO_ADMIN_EMAIL, settings.DJANGO_ADMIN_PASSWORD
        user = User.objects.filter(email__iexact=email).first()
        if password:
            if user is None:
                User.objects.create_superuser(email, password)
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(f"Staff user: {email} (password from DJANGO_ADMIN_PASSWORD)")
        elif user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(email, password)
            self.stdout.write(f"Staff user created: {email} / {password}")
        else:
            self.stdout.write(
                f"Staff user {email} exists; password unchanged "
                "(set DJANGO_ADMIN_PASSWORD or run `manage.py changepassword`)."
            )


def _image(name, hue, size=600):
    """A JPEG with a soft two-colour gradient and the product's initials."""
    top = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.78, 0.55))
    bottom = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.45, 0.55))
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (size, y)], fill=colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size // 4)
    draw.text((size / 2, size / 2), initials, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return ContentFile(buffer.getvalue())
