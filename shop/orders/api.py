"""Checkout and order history API (DESIGN §4); signed-in users only."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.core import idempotency, idempotency_schema
from shop.core.api import form_errors

from . import selectors, services
from .exceptions import OutOfStock
from .forms import ADDRESS_FIELDS, address_form
from .models import Order
from .serializers import OrderSerializer, describe
from .throttling import CheckoutThrottle


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 two-letter code, e.g. FR")


class CheckoutSerializer(serializers.Serializer):
    shipping_address = AddressSerializer()
    payment_method = serializers.CharField(required=False, allow_blank=True, max_length=50)


class OutOfStockLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()


class CheckoutConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    lines = OutOfStockLineSerializer(many=True, required=False, help_text="On out_of_stock.")


_SHORT_LINE = {"product_id": 7, "name": "Matcha", "requested": 3, "available": 1}
OUT_OF_STOCK_EXAMPLE = OpenApiExample(
    "out_of_stock",
    summary="Not enough stock: change the cart, then check out with a new key",
    description="Nothing was ordered. A replay of this answer (`Idempotent-Replayed: true`) "
    "comes again for as long as the key is kept: retrying the same key never helps.",
    value={
        "detail": str(OutOfStock([_SHORT_LINE])),
        "code": "out_of_stock",
        "lines": [_SHORT_LINE],
    },
    status_codes=["409"],
    response_only=True,
)


class CheckoutApi(APIView):
    """Places the order (201); ``OutOfStock`` becomes the 409 naming the short lines
    (shop.api_errors), replayed as it was, with ``Idempotent-Replayed: true``."""

    permission_classes = (IsAuthenticated,)
    throttle_classes = (CheckoutThrottle,)

    @extend_schema(
        request=CheckoutSerializer,
        responses={
            201: OrderSerializer,
            **idempotency_schema.schema_responses(
                OUT_OF_STOCK_EXAMPLE, conflict_serializer=CheckoutConflictSerializer
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
            ),
            *idempotency_schema.RESPONSE_HEADERS,
        ],
    )
    def post(self, request):
        key = idempotency.parse_key(request, required=True)
        address, payment_method = self._valid_input(key)
        user_id = request.identity.user_id
        placed, replayed = services.checkout_once(
            user_id=user_id,
            cart=request.cart_locator.cart(),
            address=address,
            key=key,
            payment_method=payment_method,
        )
        order = selectors.order_get(user_id=user_id, order_id=placed.order_id)
        return idempotency.mark_replayed(Response(describe(order), status=201), replayed)

    def _valid_input(self, key):
        if not isinstance(self.request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        shape = CheckoutSerializer(data=self.request.data)
        shape.is_valid(raise_exception=True)  # types: strings where strings belong
        data = shape.validated_data
        form = address_form(data["shipping_address"], key)
        if not form.is_valid():
            api_names = {model: api for api, model in ADDRESS_FIELDS.items()}
            raise ValidationError({"shipping_address": form_errors(form, api_names)})
        return form.address(), data.get("payment_method", "")


class OrderPagination(PageNumberPagination):
    page_size = selectors.ORDERS_PER_PAGE


class OrderListApi(generics.ListAPIView):
    permission_classes = (IsAuthenticated,)
    serializer_class = OrderSerializer
    pagination_class = OrderPagination

    def get_queryset(self):
        return selectors.order_list(user_id=self.request.identity.user_id)


class OrderDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: OrderSerializer})
    def get(self, request, order_id):
        try:
            order = selectors.order_get(user_id=request.identity.user_id, order_id=order_id)
        except Order.DoesNotExist:
            raise NotFound("No such order.") from None
        return Response(describe(order))
