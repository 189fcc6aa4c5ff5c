"""The cart API (DESIGN §4) for guests (X-Cart-Token) and signed-in users."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from shop import idempotency

from . import services
from .idempotency import add_once


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, floats or booleans (``1.0`` and ``"1"`` are refused)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class AddSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=999, default=1)


class SetSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=0, max_value=999)


class CartLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    image_url = serializers.CharField()


class CartSerializer(serializers.Serializer):
    items = CartLineSerializer(many=True, source="lines")
    total_quantity = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    notices = serializers.ListField(child=serializers.CharField())


TOKEN_PARAMETER = OpenApiParameter(
    "X-Cart-Token",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A guest's cart token (sent back by the first cart write).",
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Makes a retried add count once (1-255 printable characters).",
)


class CartApiView(APIView):
    """Base of the cart endpoints.

    A write needs the CSRF token exactly when a cookie names the cart or the user: a
    browser's cookies ride along on cross-site requests. A client that sends its cart
    token in ``X-Cart-Token``, a Bearer token, or no cookie at all has nothing to forge.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD", "OPTIONS") and (
            request.cart_session.carried_by_cookie()
        ):
            SessionAuthentication().enforce_csrf(request)

    def cart_response(self, view, status_code=status.HTTP_200_OK):
        self.request.cart_session.count = view.total_quantity
        return Response(CartSerializer(view).data, status=status_code)

    def valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema(parameters=[TOKEN_PARAMETER])
class CartApi(CartApiView):
    @extend_schema(responses={200: CartSerializer})
    def get(self, request):
        return self.cart_response(services.cart_view(cart=request.cart_session.cart()))

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.cart_clear(cart=request.cart_session.cart())
        request.cart_session.count = 0
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[TOKEN_PARAMETER, IDEMPOTENCY_PARAMETER])
class CartItemsApi(CartApiView):
    @extend_schema(request=AddSerializer, responses={200: CartSerializer})
    def post(self, request):
        key = idempotency.parse_key(request)
        data = self.valid(AddSerializer)
        if key is None:
            return self._add(data)
        replayed, status_code, body = add_once(
            request,
            key=key,
            fingerprint=idempotency.fingerprint("POST", request.path, data),
            add=lambda: (status.HTTP_200_OK, self._add(data).data),
        )
        response = Response(body, status=status_code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _add(self, data):
        cart = self.request.cart_session.cart(create=True)
        view = services.cart_add(
            cart=cart, product_id=data["product_id"], quantity=data["quantity"]
        )
        return self.cart_response(view)


@extend_schema(parameters=[TOKEN_PARAMETER])
class CartItemApi(CartApiView):
    @extend_schema(request=SetSerializer, responses={200: CartSerializer})
    def put(self, request, product_id):
        data = self.valid(SetSerializer)
        cart = request.cart_session.cart(create=True)
        return self.cart_response(
            services.cart_set(cart=cart, product_id=product_id, quantity=data["quantity"])
        )

    @extend_schema(responses={200: CartSerializer})
    def delete(self, request, product_id):
        cart = request.cart_session.cart()
        return self.cart_response(services.cart_remove(cart=cart, product_id=product_id))
