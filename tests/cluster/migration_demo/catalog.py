"""The demo's data: products to put in carts, shoppers, and an image uploaded by staff.

Written with the ORM of the calling process, whose database is the instances' (the
demo's own database, or the tests'). Passwords are hashed with PBKDF2, which every
profile can check (the test profile itself hashes faster, with a hasher app processes
do not accept).
"""

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from PIL import Image

from shop.catalog.models import Category, Product

# A throwaway user of a database that lives for one run, on loopback.
PASSWORD = "a demo password, long enough"
HASHER = "pbkdf2_sha256"
TIMEOUT = 10


@dataclass(frozen=True)
class Catalog:
    """What every set-up shares: product ids to add, and the staff user who uploads."""

    product_ids: list
    staff_email: str


def make_catalog(lines):
    """``lines`` products with plenty of stock (the shopper adds each once), and staff."""
    category, _ = Category.objects.get_or_create(slug="demo", defaults={"name": "Demo"})
    products = [
        Product.objects.get_or_create(
            slug=f"demo-item-{n}",
            defaults={
                "category": category,
                "name": f"Demo item {n}",
                "price": Decimal("4.50"),
                "stock": 1000,
            },
        )[0]
        for n in range(1, lines + 1)
    ]
    staff_email = "demo-staff@example.com"
    if not get_user_model().objects.filter(email=staff_email).exists():
        _with_password(get_user_model().objects.create_superuser(email=staff_email))
    return Catalog([p.pk for p in products], staff_email)


def make_shopper(key):
    """A shopper of their own for set-up ``key`` (an empty cart wherever carts live)."""
    email = f"shopper-{key}@example.com"
    get_user_model().objects.filter(email=email).delete()
    _with_password(get_user_model().objects.create_user(email=email))
    return email


def make_pictured_product(key):
    """The product whose image staff upload in set-up ``key``; no image yet."""
    category = Category.objects.get(slug="demo")
    Product.objects.filter(slug=f"demo-teapot-{key}").delete()
    return Product.objects.create(
        category=category,
        name=f"Demo teapot {key}",
        slug=f"demo-teapot-{key}",
        price=Decimal("24.00"),
        stock=10,
    )


def _with_password(user):
    user.password = make_password(PASSWORD, hasher=HASHER)
    user.save(update_fields=["password"])


def upload_image(base_url, staff_email, product):
    """Upload an image for ``product`` through the admin of the shop at ``base_url``.

    Raises RuntimeError when the admin does not take it. Whichever instance answers
    the upload keeps the file: on its own disk in the legacy profile, in the bucket in
    the stateless one.
    """
    with requests.Session() as browser:
        login = f"{base_url}/admin/login/"
        browser.get(login, timeout=TIMEOUT)
        signed_in = browser.post(
            f"{login}?next=/admin/",
            data={
                "username": staff_email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": login},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        change = f"{base_url}/admin/catalog/product/{product.pk}/change/"
        form = browser.get(change, allow_redirects=False, timeout=TIMEOUT)
        saved = browser.post(
            change,
            data={
                "name": product.name,
                "slug": product.slug,
                "category": product.category_id,
                "description": "",
                "is_active": "on",
                "price": str(product.price),
                "stock": str(product.stock),
                "_save": "Save",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            files={"image": (f"{product.slug}.png", _png(), "image/png")},
            headers={"Referer": change},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
    statuses = (signed_in.status_code, form.status_code, saved.status_code)
    if statuses != (302, 200, 302):
        raise RuntimeError(f"the admin did not take the upload: {statuses} {saved.text[:500]}")
    product.refresh_from_db()
    if not product.image:
        raise RuntimeError(f"the admin answered {statuses} but {product.slug} has no image")


def image_sources(page_html, alt):
    """The ``src`` of every ``<img>`` in ``page_html`` whose ``alt`` is ``alt``."""
    sources = []
    for tag in re.findall(r"<img\b[^>]*>", page_html):
        src, text = re.search(r'\ssrc="([^"]*)"', tag), re.search(r'\salt="([^"]*)"', tag)
        if src and text and unescape(text.group(1)) == alt:
            sources.append(unescape(src.group(1)))
    return sources


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), "teal").save(buffer, "PNG")
    return buffer.getvalue()
