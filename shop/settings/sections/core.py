"""Applications, middleware, templates and password rules: the same on every machine."""

INSTALLED_APPS = [
    # The admin with our sign-in views (JWT cookies, no server-side session).
    "accounts.apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Not simplejwt's token_blacklist: it kept every refresh token whole; accounts.SignIn
    # keeps a digest (accounts/migrations/0006 drops its tables where they exist).
    "drf_spectacular",
    # Swagger UI's files, served from our origin: /api/docs/ under the strict CSP.
    "drf_spectacular_sidecar",
    "storages",
    "accounts",
    "shop",
    "shop.catalog",
    "shop.orders",
    "carts",
    # The migration tooling: `check --tag stateless`, audit_code and the data-moving commands.
    "shop.migration",
]

MIDDLEWARE = [
    # Outermost: a request id, one JSON log line and the request metrics for everything.
    "shop.requestlog.RequestLogMiddleware",
    # Next, so that every response (static files and errors included) names its worker.
    "shop.middleware.ServedByMiddleware",
    "shop.middleware.PrivateByDefaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the configured header built once per process, not per response.
    "shop.core.headers.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # No ConditionalGetMiddleware: it hashed every GET body for an ETag, private pages
    # whose CSRF token changes every time included. The catalog sets its own ETag.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.identity and request.user from the JWT cookies (it rotates an expired
    # pair); the legacy profile names the session's identity middleware instead.
    "accounts.middleware.JWTCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.cart_locator finds the cart only when asked: the catalog never touches Redis.
    "carts.middleware.CartMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.DomainErrorMiddleware",
]


def templates(base_dir):
    """Django templates from ``<base_dir>/templates`` and every app's ``templates/``."""
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [base_dir / "templates"],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                    "accounts.context_processors.identity",
                    "carts.context_processors.cart_count",
                    "shop.context_processors.storefront",
                ],
            },
        },
    ]


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
