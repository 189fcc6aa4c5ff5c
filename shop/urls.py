from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from accounts.urls import api_urlpatterns as accounts_api_urls
from carts.urls import api_urlpatterns as carts_api_urls

from . import errors, health
from .catalog.urls import api_urlpatterns as catalog_api
from .orders.urls import api_urlpatterns as orders_api

api_v1 = [
    *accounts_api_urls,
    *carts_api_urls,
    *catalog_api,
    *orders_api,
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(".well-known/jwks.json", accounts_api.jwks, name="jwks"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("cart/", include("carts.urls")),
    path("", include("shop.orders.urls")),
    path("", include("shop.catalog.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
