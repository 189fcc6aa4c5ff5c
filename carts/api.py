"""The cart API (DESIGN §4) for guests (X-Cart-Token) and signed-in users."""

from decimal import Context, Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core import idempotency, idempotency_schema
from shop.core.api import validated

from . import services
from .forms import MAX_PRODUCT_ID, MAX_QUANTITY_INPUT
from .throttling import CartWriteThrottle


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, floats or booleans (``1.0`` and ``"1"`` are refused)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class AddSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=MAX_PRODUCT_ID)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY_INPUT, default=1)


class SetSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=0, max_value=MAX_QUANTITY_INPUT)


class CartLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    image_url = serializers.CharField()


class CartSerializer(serializers.Serializer):
    """The answer's shape, for the OpenAPI schema; ``cart_body`` writes the answers."""

    items = CartLineSerializer(many=True, source="lines")
    total_quantity = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    notices = serializers.ListField(child=serializers.CharField())


# How DRF's DecimalField(max_digits=12, decimal_places=2) writes an amount: quantized to
# cents within 12 digits (half-even), as a string.
CENTS = Decimal("0.01")
MONEY = Context(prec=12)


def _money(amount):
    return f"{amount.quantize(CENTS, context=MONEY):f}"


def cart_body(view):
    """The JSON body of a cart answer: what ``CartSerializer(view).data`` gives, key for
    key and byte for byte once rendered, without building a serializer and its fields
    for every answer (they were a quarter of a cart request's CPU time)."""
    return {
        "items": [
            {
                "product_id": line.product_id,
                "slug": line.slug,
                "name": line.name,
                "unit_price": _money(line.unit_price),
                "quantity": line.quantity,
                "line_total": _money(line.line_total),
                "image_url": line.image_url,
            }
            for line in view.lines
        ],
        "total_quantity": view.total_quantity,
        "subtotal": _money(view.subtotal),
        "notices": list(view.notices),
    }


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

    A write needs the CSRF token exactly when a cookie names the cart or the user (see
    ``CartLocator.carried_by_cookie``): a browser's cookies ride along on cross-site
    requests. A client that sends its cart token in ``X-Cart-Token``, a Bearer token, or
    no cookie at all has nothing to forge. The header's count is recorded by the cart
    itself (``carts.locators``). Writes are rate limited per cart (``CartWriteThrottle``).
    """

    throttle_classes = (CartWriteThrottle,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD", "OPTIONS") and (
            request.cart_locator.carried_by_cookie()
        ):
            SessionAuthentication().enforce_csrf(request)

    @staticmethod
    def cart_response(view, status_code=status.HTTP_200_OK):
        return Response(cart_body(view), status=status_code)


@extend_schema(parameters=[TOKEN_PARAMETER])
class CartApi(CartApiView):
    @extend_schema(responses={200: CartSerializer})
    def get(self, request):
        return self.cart_response(services.cart_view(cart=request.cart_locator.cart()))

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.cart_clear(cart=request.cart_locator.cart())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[TOKEN_PARAMETER, IDEMPOTENCY_PARAMETER])
class CartItemsApi(CartApiView):
    @extend_schema(
        request=AddSerializer,
        responses={200: CartSerializer, **idempotency_schema.schema_responses()},
        parameters=idempotency_schema.RESPONSE_HEADERS,
    )
    def post(self, request):
        key = idempotency.parse_key(request)
        data = validated(AddSerializer, request.data)
        if key is None:
            cart = request.cart_locator.cart(create=True)
            return self.cart_response(services.cart_add(cart=cart, **data))
        added, replayed = services.cart_add_once(
            carts=request.cart_locator,
            key=key,
            fingerprint=idempotency.fingerprint("POST", request.path, data),
            **data,
        )
        return idempotency.mark_replayed(self.cart_response(added.view), replayed)


@extend_schema(parameters=[TOKEN_PARAMETER])
class CartItemApi(CartApiView):
    @extend_schema(request=SetSerializer, responses={200: CartSerializer})
    def put(self, request, product_id):
        data = validated(SetSerializer, request.data)
        cart = request.cart_locator.cart(create=True)
        return self.cart_response(
            services.cart_set(cart=cart, product_id=product_id, quantity=data["quantity"])
        )

    @extend_schema(responses={200: CartSerializer})
    def delete(self, request, product_id):
        cart = request.cart_locator.cart()
        return self.cart_response(services.cart_remove(cart=cart, product_id=product_id))
