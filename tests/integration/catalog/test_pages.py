import pytest
from django.conf import settings
from django.test import override_settings

from localcluster import free_port
from tests.factories import image_upload, make_category, make_product
from tests.pages import elements

pytestmark = pytest.mark.django_db


def test_catalog_page_lists_active_products_with_their_images(client, s3_endpoint):
    product = make_product(name="Sencha", slug="sencha")
    product.image.save("sencha.png", image_upload(), save=True)
    make_product(name="Hidden Thing", is_active=False)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sencha" in html and "Hidden Thing" not in html
    assert product.image_url in [attrs.get("src") for attrs, _ in elements(html, "img")]
    assert product.image_url.startswith(s3_endpoint)


def test_catalog_page_filters_by_search_and_category(client):
    tea, coffee = make_category(name="Tea", slug="tea"), make_category(name="Coffee", slug="coffee")
    make_product(name="Sencha", category=tea)
    make_product(name="Kenya AA", category=coffee)

    by_search = client.get("/", {"search": "kenya"}).content.decode()
    by_category = client.get("/", {"category": "tea"}).content.decode()

    assert "Kenya AA" in by_search and "Sencha" not in by_search
    assert "Sencha" in by_category and "Kenya AA" not in by_category


def test_catalog_page_paginates_and_tolerates_bad_page_numbers(client):
    category = make_category()
    for i in range(30):
        make_product(name=f"Item {i:02}", category=category)

    second = client.get("/", {"page": "2"})
    junk = client.get("/", {"page": "abc"})

    assert "Item 29" in second.content.decode() and "Item 00" not in second.content.decode()
    assert junk.status_code == 200 and "Item 00" in junk.content.decode()


def test_an_over_long_search_on_the_page_is_a_400_with_the_reason(client):
    response = client.get("/", {"search": "x" * 10_000})

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_product_page_and_unknown_product(client):
    make_product(name="Gooseneck Kettle", slug="kettle", stock=2)

    page = client.get("/products/kettle/")
    missing = client.get("/products/no-such-product/")

    assert page.status_code == 200
    assert "Gooseneck Kettle" in page.content.decode() and "Only 2 left" in page.content.decode()
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()


def test_pages_render_image_urls_while_the_object_store_is_down(client):
    product = make_product(name="Sencha", slug="sencha")
    product.image.save("sencha.png", image_upload(), save=True)
    options = settings.STORAGES["default"]["OPTIONS"]
    dead = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "endpoint_url": f"http://127.0.0.1:{free_port()}"},
        },
    }

    with override_settings(STORAGES=dead):
        listing = client.get("/")
        detail = client.get("/products/sencha/")
        api = client.get("/api/v1/products/sencha/")

    assert listing.status_code == detail.status_code == api.status_code == 200
    assert product.image.name in api.json()["image_url"]
    images = [attrs.get("src", "") for attrs, _ in elements(listing.content, "img")]
    assert any(product.image.name in src for src in images)
