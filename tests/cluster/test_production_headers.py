"""Security headers read off a real gunicorn instance running ``shop.settings.production``.

The instance sits behind a TLS-terminating load balancer in production, which says so in
``X-Forwarded-Proto``; the requests here say the same. The API docs page must work under
the same Content-Security-Policy as every other page: real Chromium loads it and no
directive may be violated.
"""

import pytest
import requests

from tests.factories import make_product

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

TIMEOUT = 15
HTTPS = {"X-Forwarded-Proto": "https"}
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "shop.settings.production",
    "DJANGO_SECRET_KEY": "k3#v9!qP2z@Lr7^wX1&mN5*bT8(cY4)hJ6_fD0+gS-aE=uR.iO;pK,lM<nB>vC?xZ",
    "JWT_SIGNING_KEY": "Zq8#Lm2!vB7@xR4$wT9%nY3^kP6&hJ1*dF5(gS0)aE-uI=oC+lM;rN:tV<sW>yX?",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}
PAGES = [
    "/",
    "/products/sencha/",
    "/accounts/login/",
    "/cart/",
    "/admin/login/",
    "/api/v1/products/",
    "/api/v1/cart/",
    "/api/docs/",
    "/api/schema/",
    "/no-such-page/",
]


@pytest.fixture
def production(start_instance):
    make_product(slug="sencha")
    port, _ = start_instance(env=PRODUCTION_ENV, workers=1, threads=2)
    return f"http://127.0.0.1:{port}"


def csp_directives(response):
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_security_headers(response):
    path = response.request.path_url
    assert response.status_code in (200, 404), (path, response.status_code)
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
    policy = csp_directives(response)
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'"], path  # no inline script, on /api/docs/ too
    assert policy["style-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"], path
    features = dict(part.strip().split("=", 1) for part in headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", (path, feature)


def test_production_responses_carry_the_security_headers(production):
    """One instance for every check: starting one takes seconds on a small machine."""
    with requests.Session() as session:
        for path in PAGES:
            assert_security_headers(session.get(production + path, headers=HTTPS, timeout=TIMEOUT))

    # Plain HTTP is sent to HTTPS; the probes are not.
    page = requests.get(f"{production}/", allow_redirects=False, timeout=TIMEOUT)
    probe = requests.get(f"{production}/healthz", allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 301 and page.headers["Location"].startswith("https://127.0.0.1")
    assert probe.status_code == 200

    # The API docs take Swagger UI from the shop's static files, not from a CDN.
    html = requests.get(f"{production}/api/docs/", headers=HTTPS, timeout=TIMEOUT).text
    assets = [line for line in html.splitlines() if "src=" in line or "href=" in line]
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in line for line in assets)
    assert all("//" not in line.split("=", 1)[1] for line in assets), assets
    assert "<script>" not in html and "<style>" not in html


@pytest.mark.browser
def test_the_api_docs_work_in_chromium_without_a_csp_violation(production, chromium):
    context = chromium.new_context(extra_http_headers=HTTPS)
    try:
        page = context.new_page()
        # Injected by the browser itself, so the page's own CSP does not apply to it.
        page.add_init_script(
            "window.violations = [];"
            "document.addEventListener('securitypolicyviolation', e =>"
            " window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.goto(f"{production}/api/docs/")
        # Swagger UI has fetched the schema and drawn an operation of it.
        page.wait_for_selector("text=/api/v1/cart/items/", timeout=15_000)
        violations = page.evaluate("window.violations")
    finally:
        context.close()

    assert violations == []
