"""The Content-Security-Policy middleware: django-csp's headers, computed once."""

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from shop.core import headers

factory = RequestFactory()
POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}


def directives(value):
    """A policy's directives; django-csp 4.0 orders them differently in each process
    (it iterates over a set of their names), so only ours == theirs compares strings."""
    return dict(part.split(" ", 1) for part in value.split("; "))


def _answer(view=None, path="/", nonce=False):
    """The headers django-csp's middleware and ours give the same request and view."""

    def get_response(request):
        if nonce:
            str(request.csp_nonce)  # a template asking for the nonce
        return (view or (lambda r: HttpResponse("ok")))(request)

    answers = []
    for middleware in (CSPMiddleware, headers.ContentSecurityPolicyMiddleware):
        response = middleware(get_response)(factory.get(path))
        answers.append(
            {
                name: response.get(name)
                for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
            }
        )
    return answers


def test_the_header_is_django_csps_byte_for_byte():
    theirs, ours = _answer()

    assert ours == theirs
    assert directives(ours["Content-Security-Policy"])["default-src"] == "'self'"


def test_the_header_is_built_once_and_again_when_the_setting_changes():
    headers.policies()
    assert headers.policies.cache_info().currsize == 1
    before = headers.policies.cache_info().hits
    _answer()
    assert headers.policies.cache_info().hits > before  # no rebuild per response

    with override_settings(CONTENT_SECURITY_POLICY=POLICY):
        theirs, ours = _answer()
        assert ours == theirs
        assert directives(ours["Content-Security-Policy"]) == {
            "default-src": "'self'",
            "img-src": "'self' data:",
        }
        assert ours["Content-Security-Policy-Report-Only"] is None
    assert "script-src 'self'" in _answer()[1]["Content-Security-Policy"]


@pytest.mark.parametrize(
    "decorate",
    [
        csp_update({"img-src": "https://cdn.example"}),
        csp_replace({"script-src": ["'self'", "https://js.example"]}),
        csp_exempt(),
    ],
    ids=["csp_update", "csp_replace", "csp_exempt"],
)
def test_a_view_with_a_policy_of_its_own_gets_what_django_csp_gives(decorate):
    view = decorate(lambda request: HttpResponse("ok"))

    theirs, ours = _answer(view)

    assert ours == theirs


def test_a_nonce_a_page_asked_for_is_in_the_header():
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        theirs, ours = _answer(nonce=True)
        plain = _answer()[1]

    assert "'nonce-" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy"] != theirs["Content-Security-Policy"]  # own nonce
    assert directives(plain["Content-Security-Policy"])["script-src"] == "'self'"


def test_excluded_prefixes_a_header_set_by_the_view_and_report_only_are_kept():
    report_only = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/x/"]}
    policy = {**POLICY, "EXCLUDE_URL_PREFIXES": ["/api/docs/"]}
    own = HttpResponse("ok", headers={"Content-Security-Policy": "default-src 'none'"})
    with override_settings(
        CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only
    ):
        for path in ("/", "/api/docs/", "/x/y"):
            theirs, ours = _answer(path=path)
            assert ours == theirs, path
        assert _answer(path="/api/docs/")[1]["Content-Security-Policy"] is None
        assert _answer(path="/x/")[1]["Content-Security-Policy-Report-Only"] is None
        assert _answer(lambda request: own)[1]["Content-Security-Policy"] == "default-src 'none'"


@override_settings(DEBUG=True)
def test_debug_error_pages_get_no_policy_as_in_django_csp():
    view = lambda request: HttpResponse("gone", status=404)  # noqa: E731

    theirs, ours = _answer(view)

    assert (
        ours
        == theirs
        == {
            "Content-Security-Policy": None,
            "Content-Security-Policy-Report-Only": None,
        }
    )
