"""Real Chromium (Debian's package, driven by Playwright; the ``chromium`` fixture of
tests/conftest.py) against a real cluster."""

from decimal import Decimal

import pytest

from tests.factories import APP_HASHER, image_upload, make_category, make_product, make_staff

PASSWORD = "correct horse battery"


@pytest.fixture
def cluster(start_cluster, redis):
    """Three instances behind nginx, as production runs them."""
    return start_cluster(instances=3, workers=2)


@pytest.fixture
def shop_data(db):
    """A small catalog with images in the bucket, and a staff member."""
    tea = make_category(name="Tea", slug="tea")
    coffee = make_category(name="Coffee", slug="coffee")
    products = {
        "sencha": make_product(
            name="Sencha",
            slug="sencha",
            price=Decimal("12.50"),
            stock=20,
            category=tea,
            description="A bright green tea.",
        ),
        "matcha": make_product(
            name="Matcha", slug="matcha", price=Decimal("30.00"), stock=2, category=tea
        ),
        "kenya": make_product(
            name="Kenya AA", slug="kenya-aa", price=Decimal("16.00"), stock=15, category=coffee
        ),
    }
    for i, product in enumerate(products.values()):
        product.image.save(
            f"{product.slug}.png",
            image_upload(colour=["teal", "olive", "brown"][i], size=(300, 300)),
        )
    staff = make_staff(email="staff@example.com", password=PASSWORD, hasher=APP_HASHER)
    return {"products": products, "staff": staff}


@pytest.fixture
def page(chromium, cluster):
    """A fresh browser context; ``page.served_by`` lists X-Served-By of every page load."""
    context = chromium.new_context(base_url=cluster.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.served_by = []

    def record(response):
        if response.request.resource_type == "document" and "x-served-by" in response.headers:
            page.served_by.append(response.headers["x-served-by"])

    page.on("response", record)
    yield page
    context.close()
