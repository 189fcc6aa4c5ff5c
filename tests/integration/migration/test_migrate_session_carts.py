"""`migrate_session_carts`: legacy session carts into Redis, exactly, once, resumably."""

from decimal import Decimal

import pytest
from django.db import connection

from carts.backends import open_cart
from shop.migration.carts import guest_cart_id
from shop.migration.legacy.layouts import CartLayout, LegacyLine
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db


def cart(owner):
    return open_cart(owner).lines()


def guest(session_key):
    return cart(("guest", guest_cart_id(session_key)))


def all_carts(redis):
    return sorted(k.decode() for k in redis.scan_iter("*cart:*") if b"-import" not in k)


def test_carts_land_in_redis_exactly_for_users_and_guests(store, make_session, run):
    tea, cup = make_product(stock=10), make_product(stock=10)
    user = make_user()
    signed_in = make_session({"cart": {str(tea.pk): 2, str(cup.pk): 1}}, user=user)
    visitor = make_session({"cart": {str(cup.pk): 3}})
    make_session({"other": "no cart"})

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert cart(("user", user.pk)) == {tea.pk: 2, cup.pk: 1}
    assert guest(visitor) == {cup.pk: 3}
    assert guest(signed_in) == {}  # a signed-in session's cart is the user's, not a guest's
    assert "2 moved, 1 skipped, 0 failed" in out and "no cart in the session: 1" in out


def test_a_second_run_changes_nothing(store, make_session, run, redis):
    tea = make_product(stock=10)
    user = make_user()
    make_session({"cart": {str(tea.pk): 2}}, user=user)
    run("migrate_session_carts")
    open_cart(("user", user.pk)).set(tea.pk, 5, limit=10)  # the shopper changed it since

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert "0 moved, 1 skipped" in out and "already migrated: 1" in out
    assert cart(("user", user.pk)) == {tea.pk: 5}


def test_a_dry_run_changes_nothing(store, make_session, run, redis):
    tea = make_product(stock=10)
    make_session({"cart": {str(tea.pk): 2}}, user=make_user())
    make_session({"cart": {str(tea.pk): 1}})
    before = sorted(redis.keys("*"))

    status, out = run("migrate_session_carts", "--dry-run")

    assert status == 0
    assert "2 would be moved" in out and "nothing was changed" in out
    assert sorted(redis.keys("*")) == before
    assert "2 moved, 0 skipped" in run("migrate_session_carts")[1]  # nothing was marked


def test_an_interrupted_run_resumes_after_its_last_batch(db_store, make_session, run, settings):
    tea = make_product(stock=50)
    keys = sorted(make_session({"cart": {str(tea.pk): n}}) for n in range(1, 6))

    first = run("migrate_session_carts", "--limit", "2", "--batch-size", "2")
    second = run("migrate_session_carts", "--batch-size", "2")
    third = run("migrate_session_carts")

    assert "2 moved" in first[1] and "Stopped after 2 sessions" in first[1]
    assert "Resuming" in second[1] and "3 moved, 0 skipped" in second[1]
    assert "0 moved, 5 skipped" in third[1]
    assert sorted(sum(guest(k).values()) for k in keys) == [1, 2, 3, 4, 5]


class InterruptedLayout(CartLayout):
    """Ctrl-C while the third session is being read."""

    calls = 0

    def lines(self, session):
        InterruptedLayout.calls += 1
        if InterruptedLayout.calls == 3:
            raise KeyboardInterrupt
        return [LegacyLine(int(pid), qty) for pid, qty in session.data["cart"].items()]


def test_ctrl_c_mid_batch_keeps_what_was_done_and_the_rerun_does_the_rest(
    db_store, make_session, run, settings
):
    tea = make_product(stock=50)
    keys = sorted(make_session({"cart": {str(tea.pk): 1}}) for _ in range(4))
    settings.LEGACY_SESSIONS = {
        **settings.LEGACY_SESSIONS,
        "CART_LAYOUT": {"BACKEND": f"{__name__}.InterruptedLayout"},
    }
    InterruptedLayout.calls = 0

    status, out = run("migrate_session_carts", "--batch-size", "2")
    rerun = run("migrate_session_carts", "--batch-size", "2")

    assert status == 130 and "Interrupted" in out
    assert "Resuming" in rerun[1] and "2 moved" in rerun[1]
    assert [guest(k) for k in keys] == [{tea.pk: 1}] * 4


def test_newer_redis_data_is_never_overwritten(db_store, make_session, run):
    tea, cup = make_product(stock=4), make_product(stock=10)
    user = make_user()
    open_cart(("user", user.pk)).set(tea.pk, 3, limit=10)
    make_session({"cart": {str(tea.pk): 3, str(cup.pk): 1}}, user=user)
    visitor = make_session({"cart": {str(cup.pk): 2}})
    open_cart(("guest", guest_cart_id(visitor))).set(tea.pk, 1, limit=10)  # came back

    status, out = run("migrate_session_carts")

    assert status == 0, out
    # The user's cart is merged into as at sign-in (capped by stock), the guest's left.
    assert cart(("user", user.pk)) == {tea.pk: 4, cup.pk: 1}
    assert guest(visitor) == {tea.pk: 1}
    assert "a newer Redis cart exists: 1" in out and f"limited by stock or limits: {tea.pk}" in out


def test_sessions_django_would_sign_out_bring_no_cart(db_store, make_session, run):
    tea = make_product(stock=10)
    changed, inactive = make_user(), make_user()
    make_session({"cart": {str(tea.pk): 1}}, user=changed)
    make_session({"cart": {str(tea.pk): 1}}, user=inactive)
    changed.set_password("a new password entirely")
    changed.save()
    inactive.is_active = False
    inactive.save()

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert cart(("user", changed.pk)) == {} and cart(("user", inactive.pk)) == {}
    assert "(the password changed since this sign-in): 1" in out
    assert "(the user is deactivated): 1" in out


def test_corrupt_rows_and_carts_are_counted_not_fatal(db_store, make_session, run):
    tea = make_product(stock=10)
    good = make_session({"cart": {str(tea.pk): 1}})
    make_session({"cart": {str(tea.pk): "lots"}})
    make_session({"cart": ["not", "a", "dict"]})
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_session VALUES ('zzbadsignature', 'eyJhIjoxfQ:1x:bad', "
            "NOW() + INTERVAL '1 day'), ('zzgarbage', '%%%%not-base64', NOW() + INTERVAL '1 day')"
        )

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert guest(good) == {tea.pk: 1}
    assert "1 moved, 0 skipped, 4 failed" in out
    assert "unreadable cart: 2" in out and "bad signature" in out


def test_the_django_by_example_layout_reports_changed_prices(db_store, make_session, run, settings):
    tea, cup = make_product(price=Decimal("12.50"), stock=10), make_product(stock=10)
    settings.LEGACY_SESSIONS = {
        **settings.LEGACY_SESSIONS,
        "CART_LAYOUT": {"BACKEND": "shop.migration.legacy.layouts.ByExampleCartLayout"},
    }
    visitor = make_session(
        {
            "cart": {
                str(tea.pk): {"quantity": 2, "price": "10.00"},
                str(cup.pk): {"quantity": 1, "price": str(cup.price)},
            }
        }
    )

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert guest(visitor) == {tea.pk: 2, cup.pk: 1}
    assert f"product {tea.pk}: 10.00 then, 12.50 now" in out
    assert f"product {cup.pk}:" not in out


def test_the_django_cart_layout_reads_its_tables(db_store, make_session, run, settings):
    from django.contrib.contenttypes.models import ContentType

    from shop.catalog.models import Product

    tea, cup = make_product(stock=10), make_product(stock=10)
    product_type = ContentType.objects.get_for_model(Product)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE cart_cart (id serial PRIMARY KEY, creation_date timestamptz, "
            "checked_out boolean NOT NULL DEFAULT false)"
        )
        cursor.execute(
            "CREATE TABLE cart_item (id serial PRIMARY KEY, cart_id integer, quantity integer, "
            "unit_price numeric(18, 2), content_type_id integer, object_id integer)"
        )
        cursor.execute("INSERT INTO cart_cart (id, checked_out) VALUES (7, false), (8, true)")
        cursor.execute(
            "INSERT INTO cart_item (cart_id, quantity, unit_price, content_type_id, object_id) "
            "VALUES (7, 2, %s, %s, %s), (7, 1, %s, %s, %s), (8, 5, 1, %s, %s)",
            [tea.price, product_type.pk, tea.pk, "0.50", product_type.pk, cup.pk,
             product_type.pk, tea.pk],
        )  # fmt: skip
    settings.LEGACY_SESSIONS = {
        **settings.LEGACY_SESSIONS,
        "CART_LAYOUT": {"BACKEND": "shop.migration.legacy.layouts.DjangoCartLayout"},
    }
    open_one = make_session({"CART-ID": 7})
    checked_out = make_session({"CART-ID": 8})

    status, out = run("migrate_session_carts")

    assert status == 0, out
    assert guest(open_one) == {tea.pk: 2, cup.pk: 1}
    assert guest(checked_out) == {}
    assert f"product {cup.pk}: 0.50 then" in out


class BasketLayout(CartLayout):
    """An engineer's own layout: a list of [product id, quantity] pairs under "basket"."""

    def lines(self, session):
        basket = session.data.get("basket")
        if basket is None:
            return None
        return [LegacyLine(product_id=pid, quantity=qty) for pid, qty in basket]


def test_an_engineers_own_layout_is_one_method(db_store, make_session, run, settings):
    tea = make_product(stock=10)
    settings.LEGACY_SESSIONS = {
        **settings.LEGACY_SESSIONS,
        "CART_LAYOUT": {"BACKEND": f"{__name__}.BasketLayout"},
    }
    visitor = make_session({"basket": [[tea.pk, 4]]})

    run("migrate_session_carts")

    assert guest(visitor) == {tea.pk: 4}


def test_refuses_to_run_where_carts_are_still_session_carts(db_store, run, settings):
    settings.CARTS = {**settings.CARTS, "BACKEND": "carts.backends.session.SessionCart"}

    status, out = run("migrate_session_carts")

    assert status == 1 and "CARTS names the session cart" in out
