"""Following a silo, tag or framework: the buttons, POST-only changes, the list of follows."""

import pytest
from django.core.cache import caches
from taggit.models import Tag

from councils.factories import ServiceSiloFactory
from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import Follow


@pytest.fixture
def targets(db):
    silo = ServiceSiloFactory(name="Transport", slug="transport")
    CaseStudyFactory(primary_silo=silo, tags=["vehicle tracking"])
    framework = FrameworkFactory(title="Fleet tracking", slug="fleet-tracking")
    caches["pages"].clear()
    return {"silo": silo, "tag": Tag.objects.get(name="vehicle tracking"), "framework": framework}


PAGES = {"silo": "/silos/transport/", "tag": "/tags/vehicle-tracking/", "framework": "/frameworks/fleet-tracking/"}
SLUGS = {"silo": "transport", "tag": "vehicle-tracking", "framework": "fleet-tracking"}


@pytest.mark.parametrize("kind", ["silo", "tag", "framework"])
def test_member_follows_and_unfollows_from_the_page(client, targets, officer, kind):
    client.force_login(officer)
    assert ">Follow<span" in client.get(PAGES[kind]).content.decode()

    response = client.post(f"/follow/{kind}/{SLUGS[kind]}/", {"next": PAGES[kind]}, follow=True)

    assert Follow.objects.filter(user=officer, **{kind: targets[kind]}).exists()
    html = response.content.decode()
    assert "You now follow" in html
    assert ">Stop following<span" in html

    client.post(f"/unfollow/{kind}/{SLUGS[kind]}/", {"next": PAGES[kind]})
    assert not Follow.objects.filter(user=officer).exists()


def test_following_twice_keeps_one_follow(client, targets, officer):
    client.force_login(officer)
    client.post("/follow/tag/vehicle-tracking/")
    client.post("/follow/tag/vehicle-tracking/")

    assert Follow.objects.filter(user=officer).count() == 1


def test_visitors_are_asked_to_sign_in(client, targets):
    html = client.get("/silos/transport/").content.decode()
    assert "Sign in</a> to follow Transport" in html

    response = client.post("/follow/silo/transport/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_follow_is_post_only(client, targets, officer):
    client.force_login(officer)

    assert client.get("/follow/silo/transport/").status_code == 405
    assert client.get("/unfollow/silo/transport/").status_code == 405


@pytest.mark.parametrize("url", ["/follow/council/leeds/", "/follow/silo/nowhere/", "/follow/framework/draft-one/"])
def test_unknown_or_hidden_targets_are_not_found(client, targets, officer, url):
    FrameworkFactory(slug="draft-one", status="draft")
    client.force_login(officer)

    assert client.post(url).status_code == 404


def test_next_must_stay_on_this_site(client, targets, officer):
    client.force_login(officer)
    response = client.post("/follow/silo/transport/", {"next": "https://evil.example/"})

    assert response["Location"] == "/silos/transport/"


def test_follows_page_lists_follows_with_feeds(client, targets, officer, django_assert_max_num_queries):
    for kind in ("silo", "tag", "framework"):
        Follow.objects.create(user=officer, **{kind: targets[kind]})
    client.force_login(officer)
    with django_assert_max_num_queries(6):
        html = client.get("/follows/").content.decode()

    assert "/feeds/silos/transport/" in html
    assert "/feeds/tags/vehicle-tracking/" in html
    assert "/feeds/frameworks/fleet-tracking/" in html


def test_follows_page_needs_sign_in(client, db):
    assert client.get("/follows/").status_code == 302
