from django.urls import path

from . import api, views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<int:order_id>/", views.order_detail, name="order-detail"),
]

api_urlpatterns = [
    path("checkout/", api.CheckoutApi.as_view(), name="api-checkout"),
    path("orders/", api.OrderListApi.as_view(), name="api-order-list"),
    path("orders/<int:order_id>/", api.OrderDetailApi.as_view(), name="api-order-detail"),
]
