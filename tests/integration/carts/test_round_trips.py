"""What a cart request costs in Redis round trips, and that the shortcuts stay correct.

A round trip is one packet of commands sent on a Redis connection (a command, a
pipeline, a script): counted where redis-py sends them, as bench/probe.py does. A
signed-in request's denylist check travels with the cart's command (one round trip for
a warm view or write), a keyed add with the runner's (two in all, a guest's too: the
record of a first add its key may have made rides along); a revoked token still never
reads or writes the user's cart.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from redis.connection import AbstractConnection

from accounts import services as account_services
from carts.backends.redis import KEY_PREFIX
from shop.core import idempotency
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
KEY = "6c1f0e2a-4b3d-4f8e-9a7c-1d2e3f4a5b6c"


class RoundTrips:
    """Counts what is sent on any Redis connection while ``with``-active."""

    def __init__(self, monkeypatch):
        self.count = 0
        self.active = False
        original = AbstractConnection.send_packed_command

        def send_packed_command(connection, command, check_health=True):
            if self.active:
                self.count += 1
            return original(connection, command, check_health)

        monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)

    def __enter__(self):
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc):
        self.active = False


@pytest.fixture
def round_trips(monkeypatch):
    return RoundTrips(monkeypatch)


@pytest.fixture
def no_cart_write_limit(settings):
    """The cart's abuse limit off: its counter is one round trip of its own (see below)."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "cart": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def user(db):
    return make_user(password=PASSWORD)


def bearer(user):
    client = Client()
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return Client(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")


def browser(user):
    client = Client()
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {
            "username": user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies[django_settings.CSRF_COOKIE_NAME].value,
        },
    )
    assert response.status_code == 302
    return client


def add(client, product, quantity=1, **headers):
    return client.post(
        "/api/v1/cart/items/",
        {"product_id": product.pk, "quantity": quantity},
        content_type="application/json",
        **headers,
    )


def revoke_everything_of(user):
    account_services.user_revoke_all(user_id=user.pk)


def quantities(body):
    return {line["product_id"]: line["quantity"] for line in body["items"]}


# --- The counts ---------------------------------------------------------------------------


def test_a_warm_signed_in_cart_view_by_bearer_is_one_round_trip_and_no_query(
    user, products, round_trips, django_assert_num_queries
):
    client = bearer(user)
    add(client, products["plenty"], 2)
    client.get("/api/v1/cart/")  # warms the product summaries and the scripts

    with round_trips, django_assert_num_queries(0):
        response = client.get("/api/v1/cart/")

    assert response.status_code == 200 and response.json()["total_quantity"] == 2
    assert round_trips.count == 1


def test_a_warm_signed_in_cart_page_by_cookies_is_one_round_trip_and_no_query(
    user, products, round_trips, django_assert_num_queries
):
    client = browser(user)
    add(client, products["plenty"], 2, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    client.get("/cart/")

    with round_trips, django_assert_num_queries(0):
        page = client.get("/cart/")

    assert page.status_code == 200 and "Sencha" in page.content.decode()
    assert round_trips.count == 1


def test_a_warm_guest_cart_view_is_one_round_trip(products, round_trips):
    client = Client(HTTP_X_CART_TOKEN="")
    token = add(client, products["plenty"])["X-Cart-Token"]
    client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)

    with round_trips:
        client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token)

    assert round_trips.count == 1


def test_a_signed_in_cart_write_is_one_round_trip(user, products, round_trips, no_cart_write_limit):
    client = bearer(user)
    add(client, products["plenty"])
    client.put(f"/api/v1/cart/items/{products['plenty'].pk}/", {"quantity": 1}, "application/json")

    with round_trips:
        added = add(client, products["plenty"])
    with round_trips as put:
        changed = client.put(
            f"/api/v1/cart/items/{products['plenty'].pk}/", {"quantity": 5}, "application/json"
        )
    put_count = put.count
    with round_trips as removed_count:
        removed = client.delete(f"/api/v1/cart/items/{products['plenty'].pk}/")

    assert added.json()["total_quantity"] == 2 and changed.json()["total_quantity"] == 5
    assert removed.json()["total_quantity"] == 0
    assert put_count == removed_count.count == 1


def test_the_cart_write_limit_costs_one_round_trip_of_its_own(user, products, round_trips):
    client = bearer(user)
    add(client, products["plenty"])

    with round_trips:
        add(client, products["plenty"])

    assert round_trips.count == 2  # the limit's counter, then the guarded write


def test_a_signed_in_idempotent_add_is_two_round_trips_and_replays_the_same_bytes(
    user, products, round_trips, no_cart_write_limit
):
    client = bearer(user)
    add(client, products["few"])  # a line of another product, and the scripts warm
    add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY="warm-up")

    with round_trips:
        first = add(client, products["plenty"], 2, HTTP_IDEMPOTENCY_KEY=KEY)
    first_count = round_trips.count
    with round_trips:
        again = add(client, products["plenty"], 2, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == again.status_code == 200
    assert quantities(first.json()) == {products["few"].pk: 1, products["plenty"].pk: 3}
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert first_count == 2
    assert round_trips.count == 2  # begin, and giving back the lock it took meanwhile
    assert quantities(client.get("/api/v1/cart/").json())[products["plenty"].pk] == 3


def test_a_guests_idempotent_first_add_is_two_round_trips(products, round_trips):
    add(Client(), products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY[::-1])  # scripts warm
    client = Client()

    with round_trips:
        first = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == 200 and first["X-Cart-Token"]
    assert round_trips.count == 3  # the cart-write limit's counter, begin, the add
    # ... and the retry of a lost answer lands in the cart it created.
    retry = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)
    assert retry["X-Cart-Token"] == first["X-Cart-Token"] and retry.content == first.content


def test_a_guests_idempotent_add_to_their_cart_is_two_round_trips(
    products, round_trips, no_cart_write_limit
):
    # The record of a first add this key may have made travels with begin.
    client = Client(HTTP_X_CART_TOKEN="")
    token = add(client, products["few"], HTTP_IDEMPOTENCY_KEY=KEY[::-1])["X-Cart-Token"]
    guest = Client(HTTP_X_CART_TOKEN=token)
    add(guest, products["few"], HTTP_IDEMPOTENCY_KEY="warm-up")

    with round_trips:
        first = add(guest, products["plenty"], 2, HTTP_IDEMPOTENCY_KEY=KEY)
    first_count = round_trips.count
    again = add(guest, products["plenty"], 2, HTTP_IDEMPOTENCY_KEY=KEY)
    # The key that created the cart still replays its first answer to the token's holder.
    created = add(guest, products["few"], HTTP_IDEMPOTENCY_KEY=KEY[::-1])

    assert first.status_code == 200 and first_count == 2
    assert quantities(first.json()) == {products["few"].pk: 2, products["plenty"].pk: 2}
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert created["Idempotent-Replayed"] == "true" and created["X-Cart-Token"] == token
    assert quantities(created.json()) == {products["few"].pk: 1}
    assert quantities(guest.get("/api/v1/cart/").json()) == {
        products["few"].pk: 2,
        products["plenty"].pk: 2,
    }


def test_an_add_that_another_write_overtook_is_still_recorded_right(
    user, products, redis, monkeypatch, no_cart_write_limit
):
    from carts.backends.redis import RedisCart

    client = bearer(user)
    add(client, products["plenty"])
    original = RedisCart.add_recording

    def another_tab_first(cart, *args, **kwargs):  # a write between the read and the add
        redis.hincrby(cart.key, products["few"].pk, 1)
        return original(cart, *args, **kwargs)

    monkeypatch.setattr(RedisCart, "add_recording", another_tab_first)
    first = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)
    monkeypatch.undo()
    again = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)

    expected = {products["plenty"].pk: 2, products["few"].pk: 1}
    assert quantities(first.json()) == expected  # the cart as it really was after the add
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert quantities(client.get("/api/v1/cart/").json()) == expected


def test_an_idempotent_add_past_the_stock_is_refused_and_not_recorded(
    user, products, no_cart_write_limit
):
    client = bearer(user)

    refused = add(client, products["few"], 4, HTTP_IDEMPOTENCY_KEY=KEY)
    retried = add(client, products["few"], 3, HTTP_IDEMPOTENCY_KEY=KEY)

    assert refused.status_code == 400
    assert retried.status_code == 200 and retried.json()["total_quantity"] == 3


# --- Revoked tokens: the check rode along, and still decides --------------------------------


def test_a_revoked_bearer_token_never_sees_the_cart(user, products, redis):
    client = bearer(user)
    add(client, products["plenty"], 2)
    revoke_everything_of(user)

    response = client.get("/api/v1/cart/")

    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "token_not_valid"
    assert "Sencha" not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete", "clear"])
def test_a_revoked_bearer_token_never_writes_the_cart(user, products, redis, method):
    client = bearer(user)
    add(client, products["plenty"], 2)
    revoke_everything_of(user)
    pid = products["plenty"].pk

    response = {
        "post": lambda: add(client, products["plenty"]),
        "put": lambda: client.put(
            f"/api/v1/cart/items/{pid}/", {"quantity": 9}, "application/json"
        ),
        "delete": lambda: client.delete(f"/api/v1/cart/items/{pid}/"),
        "clear": lambda: client.delete("/api/v1/cart/"),
    }[method]()

    assert response.status_code == 401
    assert redis.hgetall(f"{KEY_PREFIX}user:{user.pk}") == {str(pid).encode(): b"2"}


def test_a_revoked_bearer_tokens_idempotent_add_neither_writes_nor_replays(
    user, products, redis, no_cart_write_limit
):
    client = bearer(user)
    recorded = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)
    assert recorded.status_code == 200
    revoke_everything_of(user)

    replay = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)
    fresh = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY[::-1])

    assert replay.status_code == fresh.status_code == 401
    assert "Sencha" not in replay.content.decode()
    assert redis.hgetall(f"{KEY_PREFIX}user:{user.pk}") == {
        str(products["plenty"].pk).encode(): b"1"
    }
    assert not redis.keys(f"{idempotency.KEY_PREFIX}lock:*")  # no lock left behind


def test_a_revoked_cookie_is_signed_out_and_shown_no_cart_of_the_users(user, products, redis):
    client = browser(user)
    add(client, products["plenty"], 2, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    revoke_everything_of(user)

    page = client.get("/cart/")
    api = client.get("/api/v1/cart/")

    assert page.status_code == 200 and "Sencha" not in page.content.decode()
    assert page.cookies[django_settings.AUTH_ACCESS_COOKIE].value == ""  # dropped
    assert api.json()["items"] == []


def test_the_request_log_names_no_user_for_a_revoked_token(user, products, caplog):
    client = bearer(user)
    revoke_everything_of(user)

    with caplog.at_level("INFO", logger="shop.requests"):
        response = client.get("/api/v1/cart/")

    assert response.status_code == 401
    lines = [r.fields for r in caplog.records if r.name == "shop.requests"]
    assert lines and all(line["user_id"] is None for line in lines)


def test_a_revoked_token_on_a_page_that_never_asks_is_not_checked_at_all(user, round_trips):
    client = bearer(user)
    revoke_everything_of(user)

    with round_trips:
        response = client.get("/api/v1/categories/")

    assert response.status_code == 200  # a public answer, whoever asks
    assert round_trips.count == 0


# --- Carts and the denylist on different servers: no shortcut, same answers ---------------


@pytest.fixture
def carts_elsewhere(settings):
    """The carts alias on another Redis database (another URL: another pool), one that
    no other test worker uses (they count down from 15)."""
    url = settings.CACHES["carts"]["LOCATION"]
    base, _, db = url.rpartition("/")
    other = f"{base}/{int(db) - 8}"
    settings.CACHES = {**settings.CACHES, "carts": {**settings.CACHES["carts"], "LOCATION": other}}
    yield
    from django_redis import get_redis_connection

    get_redis_connection("carts").flushdb()


def test_carts_on_another_server_check_the_token_first(
    user, products, round_trips, carts_elsewhere
):
    client = bearer(user)
    add(client, products["plenty"])
    client.get("/api/v1/cart/")

    with round_trips:
        view = client.get("/api/v1/cart/")
    view_count = round_trips.count
    with round_trips:
        keyed = add(client, products["plenty"], HTTP_IDEMPOTENCY_KEY=KEY)
    revoke_everything_of(user)
    revoked = client.get("/api/v1/cart/")

    assert view.json()["total_quantity"] == 1 and keyed.json()["total_quantity"] == 2
    assert view_count == 2  # the denylist, then the cart
    assert round_trips.count == 5  # the limit, the denylist, begin, the add, complete
    assert revoked.status_code == 401
