from django.urls import path

from . import api, views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
]

api_urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="api-category-list"),
    path("products/", api.ProductListApi.as_view(), name="api-product-list"),
    path("products/<slug:slug>/", api.ProductDetailApi.as_view(), name="api-product-detail"),
]
