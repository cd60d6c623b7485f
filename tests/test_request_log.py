"""Structured request logs: one JSON line per request, with a request id that is also sent back."""

import json
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def logged(caplog) -> list[dict]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "portal.requests"]


def test_each_request_is_one_json_line_with_its_id_returned(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = client.get("/frameworks/", HTTP_X_REQUEST_ID="lb-7f3a9c")
    assert response.headers["X-Request-ID"] == "lb-7f3a9c"
    [line] = logged(caplog)
    assert line["request_id"] == "lb-7f3a9c"
    assert line["method"] == "GET"
    assert line["path"] == "/frameworks/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["time"].endswith("+00:00")


def test_a_request_without_a_sensible_id_gets_one_of_ours(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        first = client.get("/accessibility/", HTTP_X_REQUEST_ID="two words\nand a line break")
        second = client.get("/accessibility/")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(i) == 32 for i in ids)
    assert ids[0] != ids[1]
    assert [line["request_id"] for line in logged(caplog)] == ids


def test_the_signed_in_user_is_named_by_id(client, officer, caplog):
    client.force_login(officer)
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/submit/")
    assert logged(caplog)[-1]["user_id"] == officer.pk


def test_error_answers_are_logged_with_their_status(caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        Client().get("/case-studies/no-such-thing/")
        Client().post("/submit/new/")
    assert [line["status"] for line in logged(caplog)] == [404, 302]


def test_keys_in_reset_and_confirmation_links_are_not_written_down(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/accounts/password/reset/key/3-secret-reset-key/")
        client.get("/accounts/confirm-email/secret-confirmation-key/")
    paths = [line["path"] for line in logged(caplog)]
    assert paths == ["/accounts/password/reset/key/…/", "/accounts/confirm-email/…/"]


def test_logging_a_visitor_costs_no_query(client, django_assert_num_queries):
    client.get("/accessibility/")  # cached for visitors from now on
    with django_assert_num_queries(0):
        response = client.get("/accessibility/")
    assert response.status_code == 200
    assert "X-Request-ID" in response.headers
