"""The admin site with our sign-in, sign-out and password change views.

Staff sign in with the same JWT cookies as shoppers: no server-side session, immediate
logout, and the same revocation on password change. Each method mirrors Django's
``AdminSite`` method of the same name with our view in place of Django's.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .forms import AdminSignInForm
from .views import PasswordChangeView, SignInView, SignOutView


class ShopAdminSite(admin.AdminSite):
    site_header = "stateless-shop administration"
    site_title = "stateless-shop admin"

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return SignInView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminSignInForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def logout(self, request, extra_context=None):
        request.current_app = self.name
        return SignOutView.as_view(
            next_page=None,
            template_name=self.logout_template or "registration/logged_out.html",
            extra_context={
                **self.each_context(request),
                "has_permission": False,
                **(extra_context or {}),
            },
        )(request)

    def password_change(self, request, extra_context=None):
        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=AdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            template_name=self.password_change_template or "registration/password_change_form.html",
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)
