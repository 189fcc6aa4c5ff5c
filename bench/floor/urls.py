import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path


def floor(request):
    """GET: a small JSON object. POST: the JSON body's ``product_id`` echoed back, so
    that a write loop against the floor parses a body the way the cart API does."""
    if request.method == "POST":
        try:
            data = json.loads(request.body)
        except ValueError:
            return HttpResponseBadRequest("JSON expected")
        return JsonResponse({"items": [{"product_id": data.get("product_id"), "quantity": 1}]})
    return JsonResponse({"status": "ok", "items": []})


urlpatterns = [path("floor", floor)]
