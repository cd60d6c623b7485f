"""The case study list pages by cursor past its first numbered pages: every item once, in order, however deep.

Numbered pages (?page=N) are kept for the first few pages; Next and Previous
beyond them carry a signed cursor (the sort key of the row the page starts next
to), so a deep page seeks in the newest-first index instead of counting past
every row before it. The number of numbered pages is lowered here so a few
dozen case studies reach the cursor pages; the behaviour is the same with the
real number.
"""

from html import unescape
from urllib.parse import unquote

import pytest
from django.core import signing
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.forms import search as search_forms
from practices.models import CaseStudy, SearchDocument
from practices.selectors import browse
from practices.selectors.browse import ListPosition
from practices.selectors.search import SearchRequest, search
from practices.views import search as search_views
from tests.conftest import case_studies_in_bulk

pytestmark = pytest.mark.django_db

LIST = reverse("practices:case_study_list")
NUMBERED = 2  # pages 1 and 2 by number, page 3 onwards by cursor
TOTAL = 130  # 7 pages of 20 (the last one of 10)


@pytest.fixture(autouse=True)
def few_numbered_pages(monkeypatch):
    monkeypatch.setattr(search_forms, "NUMBERED_PAGES", NUMBERED)
    monkeypatch.setattr(search_views, "NUMBERED_PAGES", NUMBERED)
    caches["pages"].clear()


@pytest.fixture
def listed(db):
    """TOTAL published case studies over three silos, newest first; a run of them published at the same moment."""
    silos = [
        ServiceSiloFactory(name="Transport", slug="transport"),
        ServiceSiloFactory(name="Waste and recycling", slug="waste"),
        ServiceSiloFactory(name="Housing", slug="housing"),
    ]
    councils = [CouncilFactory() for _ in range(3)]
    case_studies_in_bulk(
        TOTAL,
        silos=silos,
        councils=councils,
        title="Route planning for crews {i}",
        summary="Crews plan rounds from one shared map.",
        tags=["route planning"],
        varied_tags=["gps", "paper rounds"],
    )
    # Ties: 25 items published in the same second, across a page boundary, so only the id orders them.
    tied = list(CaseStudy.objects.order_by("-published_at")[30:55].values_list("pk", flat=True))
    moment = timezone.now() - timezone.timedelta(days=3)
    CaseStudy.objects.filter(pk__in=tied).update(published_at=moment)
    SearchDocument.objects.filter(case_study__in=tied).update(published_at=moment)
    return silos


def expected_titles(**filters) -> list[str]:
    """Published case studies newest first, ties broken as the index breaks them (newest document first)."""
    documents = SearchDocument.objects.filter(kind="case-study", case_study__status="published", **filters)
    return list(documents.order_by("-published_at", "-id").values_list("case_study__title", flat=True))


def titles(response) -> list[str]:
    return [result.title for result in response.context["outcome"].results]


def walk(client, url: str, link: str) -> tuple[list[list[str]], list[str]]:
    """Follow the Next (or Previous) link to its end: the titles of each page and the URLs visited."""
    pages, urls = [], []
    while url:
        caches["pages"].clear()
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["notices"] == [], response.context["notices"]
        pages.append(titles(response))
        urls.append(url)
        url = unescape(response.context[link])
        assert len(urls) <= TOTAL, "the links go round in a circle"
    return pages, urls


def test_next_then_previous_show_every_case_study_once_in_order(client, listed):
    forward, urls = walk(client, LIST, "next_url")
    expected = expected_titles()
    assert [title for page in forward for title in page] == expected
    assert [len(page) for page in forward] == [20] * 6 + [10]
    # Numbered pages first, then cursors: no deep page asks for an OFFSET.
    assert urls[:2] == [LIST, f"{LIST}?page=2"]
    assert all("cursor=" in url and "page=" not in url for url in urls[2:])
    backward, back_urls = walk(client, urls[-1], "previous_url")
    assert [title for page in reversed(backward) for title in page] == expected
    assert back_urls[-2:] == [f"{LIST}?page=2", LIST]


def test_cursor_pages_say_where_they_are(client, listed):
    _, urls = walk(client, LIST, "next_url")
    response = client.get(urls[4])
    outcome = response.context["outcome"]
    assert (outcome.page, outcome.first_index, outcome.last_index) == (5, 81, 100)
    html = response.content.decode()
    assert "130 results, showing 81 to 100" in html
    assert "(page 5)" in html  # in the title
    # GOV.UK pagination: 1 … 4 5 6 …, with this page marked for assistive technology.
    numbers = [item.get("number", "…") for item in response.context["pages"]]
    assert numbers == [1, "…", 4, 5, 6, "…"]
    assert 'aria-label="Results pages"' in html
    assert 'aria-current="page">5</a>' in html
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_filters_are_kept_across_cursor_pages(client, listed):
    pages, urls = walk(client, f"{LIST}?silo=transport&silo=waste&tag=gps", "next_url")
    expected = expected_titles(silo_ids__overlap=[listed[0].pk, listed[1].pk], case_study__tags__slug="gps")
    assert len(expected) > NUMBERED * 20, "the filtered list reaches the cursor pages"
    assert [title for page in pages for title in page] == expected
    assert all("silo=transport&silo=waste&tag=gps" in url for url in urls)
    assert any("cursor=" in url for url in urls)


@pytest.mark.parametrize(
    "filters",
    [{}, {"silo": ["transport"]}, {"silo": ["transport", "waste"], "tag": ["gps"]}, {"tag": ["paper-rounds"]}],
)
def test_the_list_pages_show_what_the_search_engine_counts(listed, filters):
    """The rows come from the seek, the totals from the engine: the two agree on what is listed."""
    engine = search(SearchRequest(filters=filters, sort="newest", fixed={"type": ["case-study"]}))
    page = browse.case_study_list_page(filters)
    assert [r.title for r in page.results] == [r.title for r in engine.results]
    assert [(r.url, r.council, r.silo, r.tags) for r in page.results] == [
        (r.url, r.council, r.silo, r.tags) for r in engine.results
    ]


def test_numbered_links_from_before_still_work(client, listed):
    expected = expected_titles()
    assert titles(client.get(LIST, {"page": 2})) == expected[20:40]
    deep = client.get(LIST, {"page": 6})
    assert titles(deep) == expected[20:40], "beyond the numbered pages, the last numbered one"
    assert any("Pages are numbered up to 2" in notice for notice in deep.context["notices"])


def test_the_query_count_is_the_same_on_every_page(client, listed, django_assert_num_queries):
    _, urls = walk(client, LIST, "next_url")
    _, filtered_urls = walk(client, f"{LIST}?silo=housing", "next_url")
    expected, filtered = expected_titles(), expected_titles(silo_ids__contains=[listed[2].pk])
    checks = [
        (LIST, expected[:20], 3),
        (urls[1], expected[20:40], 3),
        (urls[5], expected[100:120], 3),
        (filtered_urls[2], filtered[40:43], 4),  # and one to resolve the filter's slug
    ]
    for url, shown, queries in checks:
        caches["pages"].clear()
        assert titles(client.get(url)) == shown, "the page counted shows real data"
        caches["pages"].clear()
        with django_assert_num_queries(queries):
            client.get(url)


def _token(payload, salt=search_forms.CURSOR_SALT) -> str:
    return signing.dumps(payload, salt=salt, compress=False)


def _digest(filters=None) -> str:
    return search_forms._filters_digest(filters or {})


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%00",
        "x" * 5000,
        "WyJhZnRlciJd:AAAAAA",
        _token(["after", "2020-01-01T00:00:00+00:00", 1, 3, _digest()], salt="something else"),
        _token(["sideways", "2020-01-01T00:00:00+00:00", 1, 3, _digest()]),
        _token(["after", "not a date", 1, 3, _digest()]),
        _token(["after", "2020-01-01T00:00:00", 1, 3, _digest()]),  # no time zone
        _token(["after", "2020-01-01T00:00:00+00:00", -4, 3, _digest()]),
        _token(["after", "2020-01-01T00:00:00+00:00", 2**70, 3, _digest()]),
        _token(["after", "2020-01-01T00:00:00+00:00", True, 3, _digest()]),
        _token(["after", "2020-01-01T00:00:00+00:00", 1, 1, _digest()]),
        _token(["after", "2020-01-01T00:00:00+00:00", 1, "3", _digest()]),
        _token(["after", "2020-01-01T00:00:00+00:00", 1, 3]),
        _token({"after": 1}),
        # Made for another filter: the page number would be wrong for this one.
        _token(["after", "2020-01-01T00:00:00+00:00", 1, 3, _digest({"silo": ["housing"]})]),
    ],
)
def test_a_cursor_we_did_not_make_gives_a_notice_and_the_first_page(client, listed, cursor):
    response = client.get(LIST, {"cursor": cursor, "page": "2"})
    assert response.status_code == 200
    assert titles(response) == expected_titles()[:20]
    assert response.context["outcome"].page == 1
    assert "That page link was not recognised" in response.content.decode()


def test_an_edited_cursor_is_refused(client, listed):
    _, urls = walk(client, LIST, "next_url")
    cursor = unquote(urls[3].split("cursor=")[1])
    value, signature = cursor.rsplit(":", 1)
    edited = value[:-2] + ("AA" if value[-2:] != "AA" else "BB") + ":" + signature
    response = client.get(LIST, {"cursor": edited})
    assert titles(response) == expected_titles()[:20]
    assert any("not recognised" in notice for notice in response.context["notices"])


def test_a_cursor_past_the_end_shows_the_first_page(client, listed):
    oldest = SearchDocument.objects.filter(kind="case-study").order_by("published_at", "id").first()
    position = ListPosition(ListPosition.AFTER, oldest.published_at, oldest.pk, 8)
    response = client.get(LIST, {"cursor": search_forms.list_cursor_token(position, {})})
    assert titles(response) == expected_titles()[:20]
    assert any("nothing after that page" in notice for notice in response.context["notices"])


def test_previous_after_the_newest_were_unpublished_is_the_first_page(client, listed):
    _, urls = walk(client, LIST, "next_url")
    page_four = client.get(urls[3])
    assert "cursor=" in page_four.context["previous_url"]
    # Of the 60 newer than page 4, 15 stay: less than a page, so they are the first page.
    newest = CaseStudy.objects.order_by("-published_at")[:45]
    CaseStudy.objects.filter(pk__in=[cs.pk for cs in newest]).update(status="draft")
    SearchDocument.objects.filter(case_study__in=list(newest)).delete()
    caches["pages"].clear()
    response = client.get(unescape(page_four.context["previous_url"]))
    assert response.context["outcome"].page == 1
    assert titles(response) == expected_titles()[:20]


def test_the_download_links_keep_the_filters_but_not_the_cursor(client, listed):
    _, urls = walk(client, f"{LIST}?silo=transport", "next_url")
    html = unescape(client.get(urls[2]).content.decode())
    downloads = [part.split('"')[0] for part in html.split('href="')[1:] if "/download." in part.split('"')[0]]
    assert downloads, "the page offers its results as files"
    assert all("silo=transport" in href and "cursor" not in href for href in downloads)
