"""The driver's page reading: what a shopper takes from a response decides what it checks."""

from bench.web import CookieJar, api_quantities, cart_page_quantities, form_fields

PAGE = """
<form method="get" action="/"><input type="search" name="search" value=""></form>
<form method="post" action="/cart/add/" class="add-to-cart">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <input type="hidden" name="product_id" value="7" id="id_product_id">
  <input type="hidden" name="idempotency_key" id="id_idempotency_key" value="abc">
  <input type="number" name="quantity" value="1" min="1">
</form>
"""


def test_form_fields_come_from_the_form_that_has_the_field():
    assert form_fields(PAGE, "product_id") == {
        "csrfmiddlewaretoken": "tok&en",
        "product_id": "7",
        "idempotency_key": "abc",
        "quantity": "1",
    }
    assert form_fields(PAGE, "password") is None


def test_cookie_jar_sets_replaces_and_deletes_as_django_sends_them():
    jar = CookieJar()
    jar.update_from(["csrftoken=a; Path=/; SameSite=Lax", "shop_cart=t1; HttpOnly; Path=/"])
    jar.update_from(["shop_cart=t2; Path=/"])
    assert jar.header() == "csrftoken=a; shop_cart=t2"
    jar.update_from(['shop_cart=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'])
    assert jar == {"csrftoken": "a"}


def test_cart_quantities_from_the_page_and_the_api():
    page = (
        '<tr data-product-id="3"><td><input id="qty-3" type="number" name="quantity" '
        'value="2" min="0"></td></tr><tr data-product-id="5"><td>'
        '<input type="number" name="quantity" value="1"></td></tr>'
    )
    assert cart_page_quantities(page) == {3: 2, 5: 1}
    assert cart_page_quantities("<p>Your cart is empty.</p>") == {}
    assert api_quantities({"items": [{"product_id": 3, "quantity": 2}]}) == {3: 2}
