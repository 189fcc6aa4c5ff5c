"""A URLconf for tests: a page and an API view that meet a deadlock, as PostgreSQL
reports it (the text names processes, transactions and a table)."""

from django.db import OperationalError
from django.urls import include, path
from rest_framework.views import APIView

DEADLOCK = (
    "deadlock detected\nDETAIL:  Process 4242 waits for ShareLock on transaction 99; "
    "blocked by process 4343.\nCONTEXT:  while updating tuple (0,7) in relation "
    '"catalog_product"'
)


def deadlocked_page(request):
    raise OperationalError(DEADLOCK)


class DeadlockedApi(APIView):
    def get(self, request):
        raise OperationalError(DEADLOCK)


urlpatterns = [
    path("deadlocked/", deadlocked_page),
    path("api/test/deadlocked/", DeadlockedApi.as_view()),
    path("", include("shop.urls")),
]
