"""Django's error views, answering JSON under /api/ and a friendly page elsewhere."""

from django.views import defaults

from .api_errors import json_error
from .core.http import is_api_request


def bad_request(request, exception):
    if is_api_request(request):
        return json_error("Bad request.", "bad_request", 400)
    return defaults.bad_request(request, exception, template_name="errors/400.html")


def permission_denied(request, exception):
    if is_api_request(request):
        return json_error("You do not have permission to do that.", "permission_denied", 403)
    return defaults.permission_denied(request, exception, template_name="errors/403.html")


def page_not_found(request, exception):
    if is_api_request(request):
        return json_error("Not found.", "not_found", 404)
    return defaults.page_not_found(request, exception, template_name="errors/404.html")


def server_error(request):
    if is_api_request(request):
        return json_error("Something went wrong on our side; it has been logged.", "error", 500)
    return defaults.server_error(request, template_name="errors/500.html")
