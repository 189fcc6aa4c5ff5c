"""The shop's own response middleware: X-Served-By and private-by-default caching."""

import os
import socket

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import patch_cache_control

from shop.middleware import PrivateByDefaultMiddleware, ServedByMiddleware

factory = RequestFactory()


def test_served_by_names_host_and_process_and_follows_a_fork(monkeypatch):
    middleware = ServedByMiddleware(lambda request: HttpResponse())
    assert middleware(factory.get("/"))["X-Served-By"] == f"{socket.gethostname()}:{os.getpid()}"

    monkeypatch.setattr(os, "getpid", lambda: 424242)  # a forked worker

    assert middleware(factory.get("/"))["X-Served-By"] == f"{socket.gethostname()}:424242"


def test_a_response_without_cache_control_gets_what_patch_cache_control_writes():
    expected = HttpResponse()
    patch_cache_control(expected, private=True, no_cache=True)
    middleware = PrivateByDefaultMiddleware(lambda request: HttpResponse())

    assert middleware(factory.get("/"))["Cache-Control"] == expected["Cache-Control"]


def test_a_response_that_says_how_to_cache_it_is_left_alone():
    public = HttpResponse(headers={"Cache-Control": "public, max-age=60"})
    middleware = PrivateByDefaultMiddleware(lambda request: public)

    assert middleware(factory.get("/"))["Cache-Control"] == "public, max-age=60"
