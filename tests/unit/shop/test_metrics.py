"""The metric functions: fixed label values, and the dependency behind an exception."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.db import OperationalError
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError

from shop.core import metrics


def _count(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


@pytest.mark.parametrize("outcome", ["created", "replayed", "conflict", "out_of_stock"])
def test_each_checkout_outcome_has_its_own_count(outcome):
    before = _count("shop_checkout_outcomes_total", outcome=outcome)

    metrics.checkout_outcome(outcome)

    assert _count("shop_checkout_outcomes_total", outcome=outcome) == before + 1


def test_an_unknown_label_value_is_an_error_not_a_new_series():
    with pytest.raises(ValueError, match="'sold' is not one of"):
        metrics.checkout_outcome("sold")
    with pytest.raises(ValueError):
        metrics.cart_operation("empty")
    with pytest.raises(ValueError):
        metrics.dependency_failed("kafka")


def test_a_cart_operation_is_counted():
    before = _count("shop_cart_operations_total", operation="merge")

    metrics.cart_operation("merge")

    assert _count("shop_cart_operations_total", operation="merge") == before + 1


class CartUnavailable(Exception):
    """Stands for a domain exception raised from a client library's error."""


def _raised_from(cause):
    try:
        try:
            raise cause
        except Exception as exc:
            raise CartUnavailable("The cart is unavailable.") from exc
    except CartUnavailable as exc:
        return exc


@pytest.mark.parametrize(
    ("exception", "dependency"),
    [
        (RedisConnectionError("refused"), "redis"),
        (_raised_from(RedisConnectionError("refused")), "redis"),
        (OperationalError("could not connect"), "database"),
        (EndpointConnectionError(endpoint_url="http://s3"), "storage"),
        (ValueError("not a dependency"), None),
    ],
)
def test_the_dependency_behind_an_exception_is_found_through_its_causes(exception, dependency):
    before = _count("shop_dependency_errors_total", dependency=dependency or "redis")

    assert metrics.dependency_failed_for(exception) == dependency
    counted = _count("shop_dependency_errors_total", dependency=dependency or "redis")
    assert counted == before + (dependency is not None)
