from django.urls import path

from . import api, views

app_name = "carts"

urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add/", views.add, name="add"),
    path("items/<int:product_id>/", views.set_quantity, name="set-quantity"),
    path("items/<int:product_id>/remove/", views.remove, name="remove"),
]

api_urlpatterns = [
    path("cart/", api.CartApi.as_view(), name="api-cart"),
    path("cart/items/", api.CartItemsApi.as_view(), name="api-cart-items"),
    path("cart/items/<int:product_id>/", api.CartItemApi.as_view(), name="api-cart-item"),
]
