"""Whatever a client sends to any documented endpoint, the answer is never a 5xx, and
it is what the schema documents (status, content type, headers, body).

schemathesis generates requests from our own OpenAPI schema (valid and invalid bodies,
parameters and headers) and sends them to the app in process, as a guest and as a
signed-in shopper, against the real PostgreSQL and Redis. The same against a live
cluster through nginx: tests/cluster/test_live_fuzz.py.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as accounts
from tests.factories import make_product, make_user

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Real commits: the WSGI handler closes the connection after each request, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bearer(redis):
    make_product(slug="sencha", stock=5)
    user = make_user()
    return {"Authorization": f"Bearer {accounts.sign_in_create(user=user).access}"}


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_makes_the_api_fail(case, bearer):
    for headers in (None, bearer):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
