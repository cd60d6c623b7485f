"""A curator manages a framework entirely on the site: create, edit, publish (and find it by search), archive, restore."""

import re

import pytest

from councils.factories import ServiceSiloFactory
from practices.models import Framework
from tests.browser.conftest import axe_violations, sign_in_curator

TITLE = "Key safe register shared with home carers"


@pytest.fixture
def curator_page(page, context, live_server, transactional_db):
    ServiceSiloFactory(name="Adult social care", slug="adult-social-care")
    ServiceSiloFactory(name="Housing", slug="housing")
    sign_in_curator(context, live_server)
    return page


def search_titles(page, words: str) -> list[str]:
    page.goto(f"/search/?q={words}")
    return [title.strip() for title in page.locator("main h2 a, main h3 a").all_inner_texts()]


def test_a_curator_runs_a_framework_through_its_whole_life_on_the_site(curator_page, axe):
    page = curator_page
    page.goto("/curate/")
    page.get_by_role("navigation", name="Curator tools").get_by_role("link", name="Frameworks").click()
    page.get_by_role("button", name="Create a framework").click()
    assert page.locator("h1").inner_text() == "Create a framework"
    assert axe_violations(axe, page) == []

    # A first try without a title is explained, and nothing typed is lost.
    page.get_by_label("Known pitfalls").fill("- Codes shared by text message leak")
    page.get_by_role("button", name="Create draft").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert page.get_by_label("Known pitfalls").input_value() == "- Codes shared by text message leak"

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill(
        "Carers, the out-of-hours team and the fire service read one register of key safe codes."
    )
    page.get_by_label("The reusable core").fill(
        "1. One register\n2. Access by role\n3. Codes changed after each tenancy"
    )
    page.get_by_label("What varies by place or citizen group").fill("- Whether private landlords take part")
    page.get_by_label("Tags").fill("key safes, home care")
    page.get_by_label("Adult social care").check()
    page.get_by_label("Review by (optional)").fill("2027-09-30")
    page.get_by_role("button", name="Create draft").click()
    assert page.locator("h1").inner_text() == TITLE
    assert page.get_by_text("Draft framework").first.is_visible()
    assert axe_violations(axe, page) == []

    # Edit: the pitfalls and a second silo.
    page.get_by_role("button", name=re.compile("^Edit")).click()
    page.get_by_label("Known pitfalls").fill("- Codes shared by text message leak\n- Nobody owns the register")
    page.get_by_label("Housing").check()
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Saved: known pitfalls, applied in silos.").is_visible()

    # Publish, then find it by search straight away.
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("is published").is_visible()
    assert TITLE in search_titles(page, "key safe register")

    # Archive: it leaves search.
    page.goto("/curate/frameworks/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Archive").click()
    assert page.get_by_text("is archived").is_visible()
    assert TITLE not in search_titles(page, "key safe register")

    # Restore the first version from the history, then publish it again.
    page.goto("/curate/frameworks/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="history of changes").click()
    assert axe_violations(axe, page) == []
    page.get_by_role("button", name=re.compile("^Restore this version")).last.click()
    assert page.get_by_text("The earlier version has been restored").is_visible()
    page.get_by_role("link", name="Back to the framework").click()
    page.get_by_role("button", name="Publish again").click()
    assert TITLE in search_titles(page, "key safe register")

    framework = Framework.objects.get(title=TITLE)
    assert framework.status == Framework.Status.PUBLISHED
    assert framework.pitfalls == "- Codes shared by text message leak"
    assert [silo.name for silo in framework.silos.all()] == ["Adult social care"]
