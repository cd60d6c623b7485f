"""Odd query strings (superscript digits, NUL bytes) get a notice, never a 500."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "path",
    [
        "/search/?page=²",
        "/search/?year=²",
        "/search/?q=bus&page=%C2%B2",
        "/case-studies/?page=²",
        "/case-studies/?page=%00",
        "/case-studies/?sort=%00",
        "/case-studies/?year=%00",
        "/search/?q=bus&sort=%00",
        "/frameworks/?page=%00",
        "/frameworks/?page=²",
    ],
)
def test_odd_query_strings_are_answered_not_crashed(client, db, path):
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/case-studies/?page=²", "/search/?q=bus&page=%00"])
def test_a_page_number_that_is_not_ascii_digits_shows_the_first_page_with_a_notice(client, db, path):
    response = client.get(path)
    assert "Page numbers are whole numbers from 1" in response.content.decode()


def test_a_year_in_superscript_digits_is_left_out_with_a_notice(client, db):
    response = client.get("/search/", {"q": "bus", "year": "2²20"})
    assert response.status_code == 200
    assert "is not a year started we know, so that filter was left out" in response.content.decode()


@pytest.mark.parametrize("sort", ["\x00", "newest\x00"])
def test_a_sort_with_a_nul_byte_falls_back_to_the_usual_order(client, db, sort):
    response = client.get(reverse("practices:case_study_list"), {"sort": sort})
    assert response.status_code == 200
    assert "That sort order is not one we offer" in response.content.decode()
