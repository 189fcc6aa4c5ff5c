"""The auth API (DESIGN §4): register, token, refresh, logout, me, the JWKS, and account
recovery (password reset, e-mail change; ``accounts.recovery`` decides, as for pages)."""

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

from . import recovery, services
from .exceptions import InvalidCredentials, InvalidLink, InvalidToken
from .keys import get_keyring
from .throttling import (
    EmailChangeThrottle,
    PasswordResetAddressThrottle,
    PasswordResetEmailThrottle,
    RefreshThrottle,
    RegisterThrottle,
)

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


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="From the link: /…/reset/<uid>/<token>/")
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class EmailChangeSerializer(serializers.Serializer):
    new_email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class LinkTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024, help_text="From the link: /…/confirm/<token>/")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


RESET_SENT = "If an account uses this address, a link to reset its password is on its way."


class PasswordResetApi(_PublicApi):
    """Ask for a reset link by e-mail; 202 whether or not the address has an account."""

    throttle_classes = (PasswordResetAddressThrottle, PasswordResetEmailThrottle)

    @extend_schema(request=EmailSerializer, responses={202: DetailSerializer})
    def post(self, request):
        data = validated(EmailSerializer, request.data)
        recovery.password_reset_request(request=request._request, email=data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(_PublicApi):
    """Set a new password with the uid and token of a reset link; every sign-in ends."""

    throttle_classes = (PasswordResetAddressThrottle,)

    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: None})
    def post(self, request):
        data = validated(PasswordResetConfirmSerializer, request.data)
        try:
            recovery.password_reset_complete(
                uidb64=data["uid"], token=data["token"], new_password=data["new_password"]
            )
        except InvalidLink as exc:
            raise ValidationError({"token": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeApi(APIView):
    """Ask for the e-mail address to change: a link goes to the new one (202); nothing
    changes until it is confirmed."""

    permission_classes = (IsAuthenticated,)
    throttle_classes = (EmailChangeThrottle,)

    @extend_schema(request=EmailChangeSerializer, responses={202: DetailSerializer})
    def post(self, request):
        data = validated(EmailChangeSerializer, request.data)
        user = User.objects.filter(pk=request.user.id, is_active=True).first()
        if user is None:
            raise AuthenticationFailed("This account no longer exists.")
        try:
            recovery.email_change_request(request=request._request, user=user, **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        detail = f"We sent a link to {data['new_email']}: the address changes when it is opened."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmApi(_PublicApi):
    """Apply an e-mail change with the token of its link (the token is the credential)."""

    throttle_classes = (EmailChangeThrottle,)

    @extend_schema(request=LinkTokenSerializer, responses={204: None})
    def post(self, request):
        data = validated(LinkTokenSerializer, request.data)
        try:
            recovery.email_change_confirm(token=data["token"])
        except InvalidLink as exc:
            raise ValidationError({"token": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
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
