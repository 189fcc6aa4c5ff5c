"""The auth API (DESIGN §4): register, token, refresh, logout, me, and the JWKS."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core.api import validated

from . import services
from .exceptions import InvalidCredentials, InvalidToken
from .keys import get_keyring
from .throttling import RefreshThrottle, RegisterThrottle

User = get_user_model()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class _PublicApi(APIView):
    """Endpoints that take their credentials in the JSON body, never from cookies.

    Only JSON is parsed (a cross-site HTML form cannot send it without CORS), and no
    identity cookie is read or set, so these need no CSRF token. (Signing in may still
    merge the guest cart its cookie names and drop that cookie: see carts.receivers.)
    """

    authentication_classes = ()
    permission_classes = ()

    def get_authenticate_header(self, request):
        # A failed sign-in or refresh is a 401 with a challenge, not DRF's fallback 403.
        return 'Bearer realm="api"'


class RegisterApi(_PublicApi):
    throttle_classes = (RegisterThrottle,)

    @extend_schema(request=CredentialsSerializer, responses={201: UserSerializer})
    def post(self, request):
        data = validated(CredentialsSerializer, request.data)
        try:
            user = services.user_register(email=data["email"], password=data["password"])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenApi(_PublicApi):
    """Sign in; an ``X-Cart-Token`` header names a guest cart to merge into the user's."""

    @extend_schema(request=CredentialsSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        data = validated(CredentialsSerializer, request.data)
        try:
            user = services.user_authenticate(
                request=request, email=data["email"], password=data["password"]
            )
        except InvalidCredentials as exc:
            raise AuthenticationFailed(str(exc)) from exc
        return Response(services.sign_in_start(request=request, user=user).as_dict())


class RefreshApi(_PublicApi):
    throttle_classes = (RefreshThrottle,)

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        data = validated(RefreshSerializer, request.data)
        try:
            pair = services.sign_in_refresh(raw_refresh=data["refresh"])
        except InvalidToken as exc:
            raise AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return Response(pair.as_dict())


class LogoutApi(_PublicApi):
    """End the sign-in of this refresh token; its access tokens stop working too."""

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request):
        data = validated(RefreshSerializer, request.data)
        try:
            services.sign_out(raw_refresh=data["refresh"])
        except InvalidToken as exc:
            raise AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        user = User.objects.filter(pk=request.user.id, is_active=True).first()
        if user is None:
            raise AuthenticationFailed("This account no longer exists.")
        return Response(UserSerializer(user).data)


@extend_schema(
    responses={
        200: inline_serializer(
            "JWKS", {"keys": serializers.ListField(child=serializers.DictField())}
        )
    }
)
def jwks(request):
    """The public keys that verify our tokens (current and previous); empty for HS*."""
    response = JsonResponse(get_keyring().public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
