"""schemathesis against a live cluster: nginx in front of two gunicorn instances.

Requests generated from the schema the cluster itself serves (valid and invalid bodies,
parameters and headers) go through the load balancer to whichever worker answers, as a
guest, as a guest with a cart token and as a signed-in shopper. Every answer must be a
non-5xx that the schema documents: its status, content type, headers and body.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import APP_HASHER, make_product, make_user

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TIMEOUT = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def cluster(start_cluster, redis):
    return start_cluster(instances=2, workers=2)


@pytest.fixture
def live_schema(cluster):
    return schemathesis.openapi.from_url(f"{cluster.url}/api/schema/?format=json", timeout=TIMEOUT)


@pytest.fixture
def identities(cluster):
    """Headers of the three kinds of client, each set up through the cluster itself."""
    product = make_product(slug="sencha", stock=50)
    make_user(email="fuzz@example.com", password=PASSWORD, hasher=APP_HASHER)
    first_add = requests.post(
        f"{cluster.url}/api/v1/cart/items/",
        json={"product_id": product.pk, "quantity": 1},
        headers={"X-Cart-Token": ""},
        timeout=TIMEOUT,
    )
    assert first_add.status_code == 200, first_add.text
    sign_in = requests.post(
        f"{cluster.url}/api/v1/auth/token/",
        json={"email": "fuzz@example.com", "password": PASSWORD},
        timeout=TIMEOUT,
    )
    assert sign_in.status_code == 200, sign_in.text
    return {
        "guest": {},
        "guest with a cart token": {"X-Cart-Token": first_add.headers["X-Cart-Token"]},
        "signed in": {"Authorization": f"Bearer {sign_in.json()['access']}"},
    }


# Per operation and per kind of data (valid, invalid): enough to find what broke before,
# bounded so that the whole test stays within a minute or two on a small machine.
EXAMPLES = 10


def test_the_live_cluster_answers_every_request_as_its_schema_says(live_schema, identities):
    """Every operation is fuzzed on its own, so that one failure does not hide another;
    each failure is hypothesis's shrunk example, reported with its curl line."""
    failures = []
    for result in live_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, identities)
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body)
            except AssertionError as failure:  # hypothesis's shrunk example
                failures.append(f"{operation.label} ({mode.value}) {failure}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, mode, identities):
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        for who, headers in identities.items():
            response = case.call(headers=headers, timeout=TIMEOUT)
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as failure:
                raise AssertionError(f"as {who}: {_describe(failure)}") from None

    run()


def _describe(failure):
    """schemathesis's own text of each failed check (title, details, the curl line)."""
    if isinstance(failure, FailureGroup):
        return "\n".join(str(each) for each in failure.exceptions)
    return str(failure)
