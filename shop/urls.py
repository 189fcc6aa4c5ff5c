import re
from urllib.parse import urlsplit

from django.contrib import admin
from django.core.files.storage import FileSystemStorage, storages
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts.urls import api_urlpatterns as accounts_api_urls
from carts.urls import api_urlpatterns as carts_api_urls

from . import errors, health
from .catalog.urls import api_urlpatterns as catalog_api
from .core import metrics
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
    # For the scraper on the instance's port; nginx refuses it to the public.
    path("metrics", metrics.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's init script from its own URL (?script), its files from our static
    # files: no inline script, so the docs page keeps the strict CSP of every page.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="shop/api_docs.html"),
        name="api-docs",
    ),
    path(".well-known/jwks.json", accounts_api.jwks, name="jwks"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("cart/", include("carts.urls")),
    path("", include("shop.orders.urls")),
    path("", include("shop.catalog.urls")),
]


def local_media_urlpatterns():
    """Uploads kept on this instance's own disk, served by it at their URL.

    Only where the default storage is a FileSystemStorage (the legacy profile's "before",
    as a legacy shop serves MEDIA_ROOT): every other instance answers 404 for them, which
    `migrate_media_to_s3` ends. Profiles with a bucket link images there and route nothing.
    """
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        return []
    prefix = re.escape(urlsplit(storage.base_url).path.lstrip("/"))
    return [re_path(rf"^{prefix}(?P<path>.+)$", serve, {"document_root": storage.location})]


urlpatterns += local_media_urlpatterns()

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
