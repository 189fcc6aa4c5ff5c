"""A URLconf for tests: a cookie- or Bearer-authenticated write endpoint.

The shop's own authenticated writes (cart, checkout) arrive with later issues; this
view lets the tests prove the authentication contract on its own.
"""

from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class Echo(APIView):
    permission_classes = (IsAuthenticated,)

    def post(self, request):
        return Response({"user_id": request.user.id})


urlpatterns = [
    path("api/test/echo/", Echo.as_view()),
    path("", include("shop.urls")),
]
