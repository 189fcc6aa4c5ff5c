from decimal import Decimal

import pytest

from tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def test_product_list_has_the_documented_shape(client):
    tea = make_category(name="Tea", slug="tea")
    make_product(name="Sencha", slug="sencha", category=tea, price=Decimal("12.50"), stock=3)

    body = client.get("/api/v1/products/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    (product,) = body["results"]
    assert product == {
        "id": product["id"],
        "slug": "sencha",
        "name": "Sencha",
        "description": "",
        "price": "12.50",
        "stock": 3,
        "image_url": None,
        "category": "tea",
    }


def test_inactive_products_are_neither_listed_nor_found(client):
    make_product(slug="shown")
    make_product(slug="hidden", is_active=False)

    slugs = [p["slug"] for p in client.get("/api/v1/products/").json()["results"]]

    assert slugs == ["shown"]
    assert client.get("/api/v1/products/hidden/").status_code == 404


def test_search_matches_name_and_description_case_insensitively(client):
    make_product(name="Jasmine Pearls", slug="jasmine")
    make_product(name="Kettle", slug="kettle", description="Boils water for JASMINE tea")
    make_product(name="Mug", slug="mug")

    body = client.get("/api/v1/products/", {"search": "jasmine"}).json()

    assert sorted(p["slug"] for p in body["results"]) == ["jasmine", "kettle"]


def test_category_filter_takes_a_slug(client):
    tea, coffee = make_category(slug="tea"), make_category(slug="coffee")
    make_product(slug="sencha", category=tea)
    make_product(slug="kenya", category=coffee)

    body = client.get("/api/v1/products/", {"category": "coffee"}).json()
    unknown = client.get("/api/v1/products/", {"category": "no-such-category"}).json()

    assert [p["slug"] for p in body["results"]] == ["kenya"]
    assert unknown["count"] == 0


def test_pagination_walks_every_product_once(client):
    category = make_category()
    for i in range(7):
        make_product(name=f"Item {i}", slug=f"item-{i}", category=category)

    first = client.get("/api/v1/products/", {"page_size": 3}).json()
    third = client.get("/api/v1/products/", {"page_size": 3, "page": 3}).json()

    assert first["count"] == 7
    assert first["previous"] is None and "page=2" in first["next"]
    assert [p["slug"] for p in third["results"]] == ["item-6"]
    assert third["next"] is None


def test_sorting_by_price(client):
    category = make_category()
    make_product(slug="dear", price=Decimal("30"), category=category)
    make_product(slug="cheap", price=Decimal("3"), category=category)

    ascending = client.get("/api/v1/products/", {"sort": "price"}).json()["results"]
    descending = client.get("/api/v1/products/", {"sort": "-price"}).json()["results"]

    assert [p["slug"] for p in ascending] == ["cheap", "dear"]
    assert [p["slug"] for p in descending] == ["dear", "cheap"]


def test_product_detail_and_unknown_slug(client):
    make_product(slug="sencha", name="Sencha")

    assert client.get("/api/v1/products/sencha/").json()["name"] == "Sencha"
    missing = client.get("/api/v1/products/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No Product matches the given query.", "code": "not_found"}


def test_categories_are_listed_by_name(client):
    make_category(name="Tea", slug="tea")
    make_category(name="Coffee", slug="coffee")

    body = client.get("/api/v1/categories/").json()

    assert [c["slug"] for c in body] == ["coffee", "tea"]
    assert set(body[0]) == {"id", "slug", "name"}


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "99999"},
        {"page": "1e3"},
        {"search": "x" * 10_000},
        {"category": "../../etc/passwd"},
        {"sort": "price; DROP TABLE catalog_product"},
        {"page_size": "abc"},
        {"page_size": "-5"},
        {"search": "\x00"},
        {"search": "%_%"},
    ],
)
def test_junk_query_parameters_never_cause_a_server_error(client, params):
    make_product()

    response = client.get("/api/v1/products/", params)

    assert response.status_code < 500
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
    else:
        assert "results" in response.json()


def test_an_over_long_search_is_a_400_that_says_why(client):
    response = client.get("/api/v1/products/", {"search": "x" * 10_000})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("search:")
    assert "200" in body["errors"]["search"][0]


def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/products/{slug}/" in schema.content
    assert docs.status_code == 200


def test_json_nested_too_deep_is_a_400_not_a_500(client):
    body = "[" * 5000 + "]" * 5000

    response = client.post("/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
