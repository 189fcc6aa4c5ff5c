"""Request ids, routes, user ids and the JSON line, without a server."""

import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from shop import requestlog

factory = RequestFactory()


@pytest.mark.parametrize("given", ["4bf92f3577b34da6a3ce929d0e0e4736", "trace-1.2:3_x", "a" * 128])
def test_a_usable_request_id_is_kept(given):
    assert requestlog.request_id_of(factory.get("/", HTTP_X_REQUEST_ID=given)) == given


@pytest.mark.parametrize("given", ["", "a b", "<script>", "a" * 129, "é"])
def test_an_unusable_or_missing_request_id_is_replaced_by_a_new_one(given):
    made = requestlog.request_id_of(factory.get("/", HTTP_X_REQUEST_ID=given))

    assert made != given and len(made) == 32 and int(made, 16) >= 0
    assert requestlog.request_id_of(factory.get("/")) != made


def test_the_user_id_is_logged_only_when_the_request_already_knows_it():
    asked = []

    def look_up():
        asked.append(True)
        return get_user_model()(pk=7)

    request = factory.get("/")
    request.user = SimpleLazyObject(look_up)
    assert requestlog.known_user_id(request) is None and asked == []  # nothing looked up

    request.user.is_authenticated  # noqa: B018 (a view asking)
    assert requestlog.known_user_id(request) == 7

    request.user = AnonymousUser()
    assert requestlog.known_user_id(request) is None
    assert requestlog.known_user_id(factory.get("/")) is None


def test_static_files_and_unknown_paths_have_fixed_route_names():
    assert requestlog.route_of(factory.get("/static/shop.css")) == "static"
    assert requestlog.route_of(factory.get("/no/such/page/")) == "unmatched"


def test_a_request_line_is_one_json_object_with_the_fields_only():
    record = logging.LogRecord("shop.requests", logging.INFO, __file__, 1, "request", (), None)
    record.fields = {"request_id": "abc", "status": 200, "user_id": None}

    line = requestlog.JSONFormatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == "abc" and parsed["status"] == 200
    assert parsed["logger"] == "shop.requests" and parsed["level"] == "INFO"
    assert "message" not in parsed


def test_other_lines_carry_the_id_of_the_request_being_answered():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Gone", (), None)
    token = requestlog.current_request_id.set("req-42")
    try:
        assert requestlog.RequestIdFilter().filter(record)
        line = json.loads(requestlog.JSONFormatter().format(record))
    finally:
        requestlog.current_request_id.reset(token)

    assert record.request_id == "req-42"
    assert line["message"] == "Gone" and line["request_id"] == "req-42"
