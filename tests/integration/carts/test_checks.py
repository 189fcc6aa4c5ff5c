"""A carts Redis that may evict keys is reported by the system check and /readyz."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from carts.checks import check_carts_redis_never_evicts

pytestmark = pytest.mark.django_db


@pytest.fixture
def carts_redis(redis_server, settings):
    def use(policy):
        url, _ = redis_server("--maxmemory-policy", policy)
        settings.CACHES = {
            **settings.CACHES,
            "carts": {**settings.CACHES["carts"], "LOCATION": url},
        }

    return use


def test_noeviction_passes(carts_redis):
    carts_redis("noeviction")

    assert check_carts_redis_never_evicts() == []


def test_allkeys_lru_is_a_warning_in_development(carts_redis):
    carts_redis("allkeys-lru")

    (message,) = check_carts_redis_never_evicts()

    assert message.id == "carts.W001"
    assert "'allkeys-lru'" in message.msg and "noeviction" in message.hint


def test_allkeys_lru_is_an_error_in_production(carts_redis, settings):
    carts_redis("volatile-lru")
    settings.CARTS_EVICTION_CHECK_LEVEL = "error"

    (message,) = check_carts_redis_never_evicts()
    with pytest.raises(SystemCheckError, match=r"carts\.E001"):
        call_command("check")

    assert message.id == "carts.E001"


def test_readyz_refuses_a_carts_redis_that_may_evict(carts_redis, client):
    carts_redis("allkeys-lru")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["detail"] == "unavailable: redis"
    assert "maxmemory-policy 'allkeys-lru'" in response.json()["checks"]["redis"]["error"]


def test_the_identity_redis_must_not_evict_either(redis_server, settings):
    url, _ = redis_server("--maxmemory-policy", "volatile-ttl")
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }

    (message,) = check_carts_redis_never_evicts()

    assert "cache alias 'default'" in message.msg and "revocations" in message.msg


def test_the_carts_alias_is_checked_under_the_session_cart_too(carts_redis, settings):
    # A legacy shop about to move its carts into this Redis must hear it would lose them.
    carts_redis("allkeys-lru")
    settings.CARTS = {**settings.CARTS, "BACKEND": "carts.backends.session.SessionCart"}

    (message,) = check_carts_redis_never_evicts()

    assert message.id == "carts.W001" and "cache alias 'carts'" in message.msg
