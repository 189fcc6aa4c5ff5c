"""The cart API of DESIGN §4 against real Redis and PostgreSQL."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client

from carts.backends.redis import KEY_PREFIX
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
FIRST_KEY = "3f2b8c1e-9a4d-4e7b-8c1f-2d6a9b0e7c55"


class Shopper:
    """An API client that keeps its cart token the way a mobile app would."""

    def __init__(self, client=None, **headers):
        self.client = client or Client()
        self.headers = headers
        self.token = None

    def _headers(self, extra):
        headers = dict(self.headers)
        if self.token:
            headers["HTTP_X_CART_TOKEN"] = self.token
        headers.update(extra)
        return headers

    def _keep_token(self, response):
        self.token = response.headers.get("X-Cart-Token") or self.token
        return response

    def get(self, **extra):
        return self._keep_token(self.client.get("/api/v1/cart/", **self._headers(extra)))

    def add(self, body, **extra):
        return self._keep_token(
            self.client.post(
                "/api/v1/cart/items/", body, content_type="application/json", **self._headers(extra)
            )
        )

    def put(self, product_id, body, **extra):
        return self._keep_token(
            self.client.put(
                f"/api/v1/cart/items/{product_id}/",
                body,
                content_type="application/json",
                **self._headers(extra),
            )
        )

    def delete(self, product_id=None, **extra):
        path = f"/api/v1/cart/items/{product_id}/" if product_id else "/api/v1/cart/"
        return self._keep_token(self.client.delete(path, **self._headers(extra)))


@pytest.fixture
def shopper():
    return Shopper(HTTP_X_CART_TOKEN="")


def test_the_first_write_issues_a_cart_token_in_a_cookie_and_a_header(products):
    client = Client()

    response = client.post(
        "/api/v1/cart/items/",
        {"product_id": products["plenty"].pk},
        content_type="application/json",
        HTTP_X_CART_TOKEN="",
    )

    token = response["X-Cart-Token"]
    cookie = response.cookies[settings.CART_COOKIE]
    assert response.status_code == 200
    assert cookie.value == token and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert response.json()["items"][0]["quantity"] == 1


def test_reading_an_empty_cart_issues_nothing(shopper):
    response = shopper.get()

    assert response.status_code == 200
    assert response.json() == {"items": [], "total_quantity": 0, "subtotal": "0.00", "notices": []}
    assert "X-Cart-Token" not in response.headers


def test_add_set_remove_clear_with_totals(shopper, products):
    sencha, matcha = products["plenty"], products["few"]

    shopper.add({"product_id": sencha.pk, "quantity": 2})
    added = shopper.add({"product_id": matcha.pk}).json()
    set_ = shopper.put(sencha.pk, {"quantity": 5}).json()
    removed = shopper.delete(matcha.pk).json()
    cleared = shopper.delete()

    assert added["items"] == [
        {
            "product_id": sencha.pk,
            "slug": "sencha",
            "name": "Sencha",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
            "image_url": "",
        },
        {
            "product_id": matcha.pk,
            "slug": "matcha",
            "name": "Matcha",
            "unit_price": "30.00",
            "quantity": 1,
            "line_total": "30.00",
            "image_url": "",
        },
    ]
    assert (added["total_quantity"], added["subtotal"]) == (3, "55.00")
    assert (set_["total_quantity"], set_["subtotal"]) == (6, "92.50")
    assert [i["product_id"] for i in removed["items"]] == [sencha.pk]
    assert cleared.status_code == 204
    assert shopper.get().json()["items"] == []


def test_put_zero_removes_the_line(shopper, products):
    shopper.add({"product_id": products["plenty"].pk})

    assert shopper.put(products["plenty"].pk, {"quantity": 0}).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": 1.0}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"product_id": None}, "product_id"),
        ({"product_id": "abc"}, "product_id"),
        ({"product_id": 10**20}, "product_id"),
        ({"product_id": -5}, "product_id"),
    ],
)
def test_bad_add_input_is_a_400_and_leaves_the_cart_unchanged(shopper, products, body, field):
    sencha = products["plenty"]
    shopper.add({"product_id": sencha.pk, "quantity": 2})
    before = shopper.get().json()

    response = shopper.add({"product_id": sencha.pk, **body})

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert shopper.get().json() == before


def test_a_missing_field_or_a_non_object_body_is_a_400(shopper, products):
    assert shopper.add({"quantity": 1}).status_code == 400
    for junk in ([1, 2], "text", 5):
        assert shopper.add(junk).status_code == 400
    response = shopper.client.post(
        "/api/v1/cart/items/", "{not json", content_type="application/json", HTTP_X_CART_TOKEN=""
    )
    assert response.status_code == 400


def test_unknown_and_inactive_products_are_refused(shopper, products):
    hidden = make_product(slug="hidden", is_active=False)

    unknown = shopper.add({"product_id": 987654})
    inactive = shopper.add({"product_id": hidden.pk})

    for response in (unknown, inactive):
        assert response.status_code == 400
        assert response.json()["errors"]["product_id"] == ["There is no such product for sale."]


def test_more_than_the_stock_is_a_400_with_the_available_quantity(shopper, products):
    matcha = products["few"]
    shopper.add({"product_id": matcha.pk, "quantity": 2})

    too_many = shopper.add({"product_id": matcha.pk, "quantity": 2})
    sold_out = shopper.add({"product_id": products["none"].pk})

    assert too_many.status_code == 400
    assert too_many.json()["available"] == 3 and too_many.json()["code"] == "insufficient_stock"
    assert "2 already in your cart" in too_many.json()["detail"]
    assert sold_out.status_code == 400 and sold_out.json()["available"] == 0
    assert shopper.get().json()["total_quantity"] == 2


def test_the_100th_unit_of_a_line_is_refused(shopper, products):
    sencha = products["plenty"]
    shopper.add({"product_id": sencha.pk, "quantity": 99})

    response = shopper.add({"product_id": sencha.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "quantity_limit" and response.json()["available"] == 99
    assert shopper.get().json()["total_quantity"] == 99


def test_the_101st_line_is_refused(shopper, products):
    for i in range(100):
        product = make_product(slug=f"line-{i}", stock=5, category=products["plenty"].category)
        assert shopper.add({"product_id": product.pk}).status_code == 200

    response = shopper.add({"product_id": products["plenty"].pk})

    assert response.status_code == 400 and response.json()["code"] == "too_many_lines"
    assert len(shopper.get().json()["items"]) == 100


def test_a_tampered_cart_token_means_a_new_cart_not_an_error(shopper, products):
    shopper.add({"product_id": products["plenty"].pk})
    forged = shopper.token[:-3] + "abc"

    read = shopper.client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=forged)
    write = shopper.client.post(
        "/api/v1/cart/items/",
        {"product_id": products["few"].pk},
        content_type="application/json",
        HTTP_X_CART_TOKEN=forged,
    )

    assert read.status_code == 200 and read.json()["items"] == []
    assert write.status_code == 200 and write["X-Cart-Token"] != shopper.token
    assert [i["slug"] for i in shopper.get().json()["items"]] == ["sencha"]


def test_a_cookie_identified_write_needs_the_csrf_token(products):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # a page: sets the CSRF cookie

    without = browser.post(
        "/api/v1/cart/items/",
        {"product_id": products["plenty"].pk},
        content_type="application/json",
    )
    with_token = browser.post(
        "/api/v1/cart/items/",
        {"product_id": products["plenty"].pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies[settings.CSRF_COOKIE_NAME].value,
    )

    assert without.status_code == 403
    assert with_token.status_code == 200


def test_cart_keys_expire_after_the_configured_ttl_refreshed_by_each_write(
    shopper, products, redis
):
    shopper.add({"product_id": products["plenty"].pk})
    key = f"{KEY_PREFIX}guest:{shopper.token.split(':')[0]}"
    guest_ttl = settings.CARTS["OPTIONS"]["GUEST_TTL"]
    redis.expire(key, 10)

    shopper.put(products["plenty"].pk, {"quantity": 3})

    assert guest_ttl - 2 <= redis.ttl(key) <= guest_ttl


def test_a_signed_in_users_cart_has_the_user_ttl(client, products, redis):
    user = make_user(password=PASSWORD)
    access = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    ).json()["access"]
    shopper = Shopper(HTTP_AUTHORIZATION=f"Bearer {access}")

    shopper.add({"product_id": products["plenty"].pk})

    user_ttl = settings.CARTS["OPTIONS"]["USER_TTL"]
    assert user_ttl - 2 <= redis.ttl(f"{KEY_PREFIX}user:{user.pk}") <= user_ttl
    assert shopper.token is None  # users need no cart token


def test_a_warm_cart_view_makes_no_database_query(shopper, products, django_assert_num_queries):
    shopper.add({"product_id": products["plenty"].pk})
    shopper.add({"product_id": products["few"].pk})
    shopper.get()  # warms this process's product summaries

    with django_assert_num_queries(0):
        response = shopper.get()

    assert response.json()["total_quantity"] == 2


def test_a_warm_cart_view_makes_one_redis_round_trip(shopper, products, monkeypatch):
    from redis.client import Redis

    shopper.add({"product_id": products["plenty"].pk})
    shopper.get()
    calls = []
    original = Redis.execute_command

    def counting(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Redis, "execute_command", counting)
    shopper.get()

    assert calls == ["HGETALL"]


def test_saving_a_product_shows_its_new_price_at_once(
    shopper, products, django_capture_on_commit_callbacks
):
    sencha = products["plenty"]
    shopper.add({"product_id": sencha.pk})
    assert shopper.get().json()["subtotal"] == "12.50"

    with django_capture_on_commit_callbacks(execute=True):
        sencha.price = "14.00"
        sencha.save()

    assert shopper.get().json()["subtotal"] == "14.00"


def test_a_product_that_went_away_disappears_with_a_notice(
    shopper, products, django_capture_on_commit_callbacks
):
    shopper.add({"product_id": products["plenty"].pk})
    shopper.add({"product_id": products["few"].pk})

    with django_capture_on_commit_callbacks(execute=True):
        products["few"].is_active = False
        products["few"].save()
        products["plenty"].delete()
    body = shopper.get().json()

    assert body["items"] == []
    assert len(body["notices"]) == 2
    assert "no longer for sale" in body["notices"][0]


def test_an_add_retried_with_the_same_idempotency_key_adds_once(shopper, products):
    body = {"product_id": products["plenty"].pk, "quantity": 2}

    first = shopper.add(body, HTTP_IDEMPOTENCY_KEY=FIRST_KEY)
    again = shopper.add(body, HTTP_IDEMPOTENCY_KEY=FIRST_KEY)
    other_body = shopper.add({**body, "quantity": 3}, HTTP_IDEMPOTENCY_KEY=FIRST_KEY)
    new_key = shopper.add(body, HTTP_IDEMPOTENCY_KEY=FIRST_KEY[::-1])

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content  # the same bytes
    assert other_body.status_code == 422
    assert new_key.json()["total_quantity"] == 4


def test_a_guests_first_add_retried_after_a_lost_response_lands_in_the_same_cart(products):
    body = {"product_id": products["plenty"].pk}
    client = Client()

    first = client.post(
        "/api/v1/cart/items/",
        body,
        content_type="application/json",
        HTTP_X_CART_TOKEN="",
        HTTP_IDEMPOTENCY_KEY=FIRST_KEY,
    )
    retry = client.post(
        "/api/v1/cart/items/",
        body,
        content_type="application/json",
        HTTP_X_CART_TOKEN="",
        HTTP_IDEMPOTENCY_KEY=FIRST_KEY,
    )

    assert retry["X-Cart-Token"] == first["X-Cart-Token"]
    assert retry.json()["total_quantity"] == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey", "tab\tkey"])
def test_a_malformed_idempotency_key_is_a_400(shopper, products, key):
    response = shopper.add({"product_id": products["plenty"].pk}, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert shopper.get().json()["items"] == []


def test_a_refused_add_is_not_recorded_so_a_corrected_retry_goes_through(
    shopper, products, django_capture_on_commit_callbacks
):
    key = {"HTTP_IDEMPOTENCY_KEY": FIRST_KEY}
    matcha = products["few"]

    refused = shopper.add({"product_id": matcha.pk, "quantity": 4}, **key)
    with django_capture_on_commit_callbacks(execute=True):
        matcha.stock = 10
        matcha.save()
    retried = shopper.add({"product_id": matcha.pk, "quantity": 4}, **key)

    assert refused.status_code == 400
    assert retried.status_code == 200 and retried.json()["total_quantity"] == 4


def test_a_key_still_in_flight_is_a_409(shopper, products, redis):
    from shop.core import idempotency

    body = {"product_id": products["plenty"].pk}
    shopper.add(body)  # the cart exists: the add is scoped to it
    owner = f"cart-add:guest:{shopper.token.split(':')[0]}"
    running = idempotency.IdempotentRequest(
        scope=owner,
        key="busy",
        fingerprint=idempotency.fingerprint("POST", "/api/v1/cart/items/", {**body, "quantity": 1}),
    )
    assert running.begin() is None  # another worker is running this key

    response = shopper.add(body, HTTP_IDEMPOTENCY_KEY="busy")

    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_in_use"
    assert shopper.get().json()["total_quantity"] == 1


def test_an_abandoned_lock_expires_and_is_taken_over(shopper, products, redis, settings):
    from shop.core import idempotency

    settings.IDEMPOTENCY_LOCK_SECONDS = 1
    body = {"product_id": products["plenty"].pk}
    shopper.add(body)
    owner = f"cart-add:guest:{shopper.token.split(':')[0]}"
    idempotency.IdempotentRequest(
        scope=owner,
        key="orphan",
        fingerprint=idempotency.fingerprint("POST", "/api/v1/cart/items/", {**body, "quantity": 1}),
    ).begin()  # ...and its worker was killed
    time.sleep(1.2)

    response = shopper.add(body, HTTP_IDEMPOTENCY_KEY="orphan")

    assert response.status_code == 200 and response.json()["total_quantity"] == 2


def test_sign_in_with_a_cart_token_merges_the_guest_cart(client, products):
    user = make_user(password=PASSWORD)
    sencha, matcha = products["plenty"], products["few"]
    bearer = _sign_in(client, user)
    member = Shopper(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    member.add({"product_id": matcha.pk, "quantity": 2})
    guest = Shopper(HTTP_X_CART_TOKEN="")
    guest.add({"product_id": sencha.pk, "quantity": 3})
    guest.add({"product_id": matcha.pk, "quantity": 2})

    access = _sign_in(client, user, HTTP_X_CART_TOKEN=guest.token)
    again = _sign_in(client, user, HTTP_X_CART_TOKEN=guest.token)  # a replayed merge
    merged = Shopper(HTTP_AUTHORIZATION=f"Bearer {again}").get().json()

    assert access and {i["slug"]: i["quantity"] for i in merged["items"]} == {
        "sencha": 3,
        "matcha": 3,  # 2 + 2, limited to the 3 in stock
    }
    assert guest.get().json()["items"] == []  # the guest cart is gone


def test_a_tampered_cart_token_at_sign_in_merges_nothing(client, products):
    user = make_user(password=PASSWORD)
    guest = Shopper(HTTP_X_CART_TOKEN="")
    guest.add({"product_id": products["plenty"].pk})

    access = _sign_in(client, user, HTTP_X_CART_TOKEN=guest.token + "x")

    assert Shopper(HTTP_AUTHORIZATION=f"Bearer {access}").get().json()["items"] == []
    assert guest.get().json()["total_quantity"] == 1


def test_redis_down_makes_the_cart_a_quick_503_and_the_catalog_stays_up(
    shopper, products, redis_server, settings
):
    url, server = redis_server()
    settings.CACHES = {
        **settings.CACHES,
        "carts": {**settings.CACHES["carts"], "LOCATION": url},
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    caches["catalog"].clear()
    assert shopper.add({"product_id": products["plenty"].pk}).status_code == 200
    server.kill()
    server.wait()

    calls = [
        shopper.get,
        lambda: shopper.add({"product_id": products["plenty"].pk}),
        lambda: shopper.put(products["plenty"].pk, {"quantity": 2}),
        shopper.delete,
    ]
    responses, durations = [], []
    for call in calls:
        started = time.monotonic()
        responses.append(call())
        durations.append(time.monotonic() - started)
    catalog = shopper.client.get("/api/v1/products/")
    page = shopper.client.get("/")

    assert [r.status_code for r in responses] == [503, 503, 503, 503]
    assert responses[0].json()["code"] == "cart_unavailable"
    assert "unavailable" in responses[0].json()["detail"]
    assert max(durations) < 1.0, durations
    assert catalog.status_code == 200 and page.status_code == 200


def _sign_in(client, user, **headers):
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def test_a_guessable_key_cannot_open_a_guests_first_add(products):
    response = Client().post(
        "/api/v1/cart/items/",
        {"product_id": products["plenty"].pk},
        content_type="application/json",
        HTTP_X_CART_TOKEN="",
        HTTP_IDEMPOTENCY_KEY="1",
    )

    assert response.status_code == 400
    assert "at least 32 random characters" in response.json()["detail"]
    assert "X-Cart-Token" not in response.headers


def test_signed_in_browser_with_redis_down_gets_503_not_an_empty_cart(
    products, redis_server, settings
):
    user = make_user(password=PASSWORD)
    url, server = redis_server()
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
        "carts": {**settings.CACHES["carts"], "LOCATION": url},
    }
    browser = Client()
    browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    browser.post("/cart/add/", {"product_id": products["plenty"].pk, "quantity": "1"})
    server.kill()
    server.wait()

    page = browser.get("/cart/")
    api = browser.get("/api/v1/cart/")
    checkout = browser.get("/checkout/")
    orders = browser.get("/api/v1/orders/")
    catalog = browser.get("/")

    assert page.status_code == 503 and api.status_code == 503
    assert checkout.status_code == 503 and orders.status_code == 503  # not "please sign in"
    assert catalog.status_code == 200
