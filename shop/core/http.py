"""Small facts about requests that more than one app needs."""

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Whether ``request`` is for the JSON API (answered in JSON, never with a page)."""
    return request.path.startswith(API_PREFIX)
