"""Atom feeds for a silo, a tag and a framework."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from councils.factories import ServiceSiloFactory
from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def feed_world(db):
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    waste = ServiceSiloFactory(name="Waste and recycling", slug="waste")
    framework = FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    now = timezone.now()
    older = CaseStudyFactory(
        title="Older bus tracking",
        primary_silo=transport,
        tags=["vehicle tracking"],
        published_at=now - datetime.timedelta(days=10),
    )
    newer = CaseStudyFactory(title="Newer bin lorry tracking", primary_silo=waste, tags=["vehicle tracking"])
    CaseStudyFactory(
        title="Draft tracking", primary_silo=transport, tags=["vehicle tracking"], status="draft", published_at=None
    )
    FrameworkLinkFactory(case_study=older, framework=framework)
    FrameworkLinkFactory(case_study=newer, framework=framework)
    return {"transport": transport, "framework": framework}


def _entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed, in a test
    return root, [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_tag_feed_lists_published_case_studies_from_every_silo_newest_first(client, feed_world):
    root, titles = _entries(client.get("/feeds/tags/vehicle-tracking/"))

    assert titles == ["Newer bin lorry tracking", "Older bus tracking"]
    assert root.find(f"{ATOM}title").text == "New case studies tagged vehicle tracking"


def test_silo_feed_lists_the_silos_case_studies(client, feed_world):
    _, titles = _entries(client.get("/feeds/silos/transport/"))

    assert titles == ["Older bus tracking"]


def test_framework_feed_lists_implementations(client, feed_world):
    root, titles = _entries(client.get("/feeds/frameworks/vehicle-tracking/"))

    assert titles == ["Newer bin lorry tracking", "Older bus tracking"]
    entry = root.find(f"{ATOM}entry")
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith("/case-studies/" + entry.find(f"{ATOM}link").get("href").rsplit("/case-studies/", 1)[1])
    )
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} >= {"Waste and recycling", "vehicle tracking"}


def test_feed_links_are_absolute_site_urls(client, feed_world, settings):
    settings.SITE_URL = "https://practice.example.gov.uk"
    root, _ = _entries(client.get("/feeds/silos/transport/"))

    links = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert links and all(href.startswith("https://practice.example.gov.uk/") for href in links)


@pytest.mark.parametrize(
    "url", ["/feeds/silos/nowhere/", "/feeds/tags/no-such-tag/", "/feeds/frameworks/no-such-framework/"]
)
def test_unknown_feeds_are_not_found(client, feed_world, url):
    assert client.get(url).status_code == 404


def test_draft_framework_has_no_public_feed(client, feed_world):
    FrameworkFactory(slug="secret-draft", status="draft")

    assert client.get("/feeds/frameworks/secret-draft/").status_code == 404


def test_feed_queries_do_not_grow_with_items(client, feed_world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get("/feeds/tags/vehicle-tracking/")
    for _ in range(10):
        CaseStudyFactory(tags=["vehicle tracking", "gps"])
    with django_assert_max_num_queries(6):
        _, titles = _entries(client.get("/feeds/tags/vehicle-tracking/"))
    assert len(titles) == 12


def test_pages_advertise_their_feed(client, feed_world):
    html = client.get("/silos/transport/").content.decode()

    assert 'type="application/atom+xml"' in html
    assert "/feeds/silos/transport/" in html


def test_control_characters_in_a_title_do_not_take_the_feed_down(client, feed_world):
    # Found by tests/test_fuzz.py: a title with a bell character made the silo feed a 500.
    CaseStudyFactory(title="Gritter\x07 routes\x1b online", primary_silo=feed_world["transport"], tags=["x\x01y"])
    _, titles = _entries(client.get("/feeds/silos/transport/"))
    assert "Gritter routes online" in titles


def test_a_summary_is_shown_by_feed_readers_as_text_not_markup(client, feed_world):
    CaseStudyFactory(
        title="Bus stop displays",
        primary_silo=feed_world["transport"],
        summary='Screens at 40 stops <img src="https://tracker.example/p.gif"> & counting',
    )
    root, _ = _entries(client.get("/feeds/silos/transport/"))
    summaries = [entry.find(f"{ATOM}summary") for entry in root.findall(f"{ATOM}entry")]
    shown = next(s for s in summaries if "Screens at 40 stops" in s.text)
    assert shown.get("type") == "html"
    assert "<img" not in shown.text, "readers render type=html, so the text's markup must arrive escaped"
    assert "&lt;img" in shown.text
