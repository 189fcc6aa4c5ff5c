"""``{% fixed_url %}`` gives what ``{% url %}`` gives, reversing each name once."""

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import clear_url_caches, set_script_prefix

from shop.core import urls as shop_urls

NAMES = ["catalog:product-list", "carts:cart", "orders:order-list", "accounts:login"]


def _render(source):
    return engines["django"].from_string("{% load shop_urls %}" + source).render({})


@pytest.fixture
def reversals(monkeypatch):
    made = []

    def counting_reverse(viewname, args=None):
        made.append(viewname if args is None else (viewname, *args))
        return reverse(viewname, args=args)

    reverse = shop_urls.reverse
    shop_urls._reversed.cache_clear()
    monkeypatch.setattr(shop_urls, "reverse", counting_reverse)
    yield made
    shop_urls._reversed.cache_clear()


@pytest.mark.parametrize("name", NAMES)
def test_the_url_is_the_url_tags(name, reversals):
    tag = f"{{% fixed_url '{name}' %}}"

    assert _render(tag) == _render(f"{{% url '{name}' %}}")
    assert _render(tag * 3) == _render(f"{{% url '{name}' %}}") * 3
    assert reversals == [name]  # once, however often it is rendered


def test_a_url_with_arguments_is_the_url_tags_once_per_arguments(reversals):
    tag = "{% fixed_url 'carts:set-quantity' id %}{% fixed_url 'catalog:product-detail' slug %}"
    plain = "{% url 'carts:set-quantity' id %}{% url 'catalog:product-detail' slug %}"

    def render(source, **context):
        return engines["django"].from_string("{% load shop_urls %}" + source).render(context)

    assert render(tag, id=7, slug="sencha") == render(plain, id=7, slug="sencha")
    assert render(tag, id=7, slug="sencha") == "/cart/items/7//products/sencha/"
    assert render(tag, id=8, slug="matcha") == render(plain, id=8, slug="matcha")
    assert reversals == [
        ("carts:set-quantity", 7),
        ("catalog:product-detail", "sencha"),
        ("carts:set-quantity", 8),
        ("catalog:product-detail", "matcha"),
    ]


def test_a_script_prefix_has_urls_of_its_own(reversals):
    plain = _render("{% fixed_url 'carts:cart' %}")
    set_script_prefix("/shop/")
    try:
        prefixed = _render("{% fixed_url 'carts:cart' %}")
    finally:
        set_script_prefix("/")

    assert prefixed == "/shop" + plain
    assert _render("{% fixed_url 'carts:cart' %}") == plain
    assert len(reversals) == 2


def test_another_urlconf_has_urls_of_its_own(reversals):
    with override_settings(ROOT_URLCONF="tests.unit.shop.prefixed_urls"):
        clear_url_caches()
        assert _render("{% fixed_url 'carts:cart' %}") == "/prefixed/cart/"
    clear_url_caches()
    assert _render("{% fixed_url 'carts:cart' %}") == "/cart/"
