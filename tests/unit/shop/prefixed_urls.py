"""The shop's URLs under /prefixed/, for tests of URLs kept per URLconf."""

from django.urls import include, path

urlpatterns = [path("prefixed/", include("shop.urls"))]
