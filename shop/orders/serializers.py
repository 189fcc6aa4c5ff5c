from rest_framework import serializers

from .models import Order, OrderLine


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["product_id", "product_name", "unit_price", "quantity", "line_total"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    shipping_address = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "created_at",
            "shipping_address",
            "lines",
            "subtotal",
            "total",
            "payment_method",
        ]


def describe(order):
    return OrderSerializer(order).data
