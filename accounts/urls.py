from django.urls import path

from . import api, views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("", views.account, name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("sign-ins/<int:sign_in_id>/end/", views.end_sign_in, name="end-sign-in"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("email/", views.email_change, name="email-change"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email-change-confirm"),
]

api_urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="api-register"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("auth/token/refresh/", api.RefreshApi.as_view(), name="api-token-refresh"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
    path("auth/me/", api.MeApi.as_view(), name="api-me"),
    path("auth/password/reset/", api.PasswordResetApi.as_view(), name="api-password-reset"),
    path(
        "auth/password/reset/confirm/",
        api.PasswordResetConfirmApi.as_view(),
        name="api-password-reset-confirm",
    ),
    path("auth/email/", api.EmailChangeApi.as_view(), name="api-email-change"),
    path(
        "auth/email/confirm/", api.EmailChangeConfirmApi.as_view(), name="api-email-change-confirm"
    ),
]
