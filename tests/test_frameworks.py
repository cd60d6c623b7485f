"""The framework lifecycle: services (create, edit with conflict checks, publish, archive, restore) and /curate/frameworks/."""

import datetime

import pytest
from django.core.cache import caches
from django.utils import timezone

from councils.factories import ServiceSiloFactory
from practices.factories import FrameworkFactory
from practices.models import Framework, SearchDocument, SummaryStaleMark
from practices.services.editing import Content, EditConflict, EditError
from practices.services.frameworks import (
    framework_archive,
    framework_create,
    framework_publish,
    framework_restore,
    framework_update,
)
from practices.services.workflow import WorkflowError

pytestmark = pytest.mark.django_db
Status = Framework.Status


def content(**fields) -> Content:
    values = {
        "title": "Shared booking for council rooms and halls",
        "summary": "One online diary for every bookable council room, hall and pitch.",
        "reusable_core": "1. One list of bookable spaces\n2. Online payment\n3. Key-holder rota",
        "what_varies": "- Which community groups get free use",
        "pitfalls": "- Double bookings while paper diaries still run in parallel",
        "review_by": None,
    }
    values.update(fields)
    return Content(fields=values, m2m={"silos": []}, tags=["online booking"])


def search(client, words: str) -> str:
    return client.get("/search/", {"q": words}).content.decode()


@pytest.fixture
def draft(curator):
    return framework_create(by=curator, content=content())


# --- Services ------------------------------------------------------------------------------


def test_a_new_framework_is_a_draft_with_one_history_entry_and_no_search_document(draft, curator):
    assert draft.status == Status.DRAFT
    assert draft.slug == "shared-booking-for-council-rooms-and-halls"
    assert [h.history_user for h in draft.history.all()] == [curator]
    assert list(draft.tags.names()) == ["online booking"]
    assert not SearchDocument.objects.filter(framework=draft).exists()


def test_publishing_puts_it_in_search_and_archiving_takes_it_out(client, draft, curator):
    framework = framework_publish(framework=draft, by=curator)
    assert framework.review_by == timezone.localdate() + datetime.timedelta(days=365)
    assert "Shared booking for council rooms and halls" in search(client, "halls booking")

    framework_archive(framework=framework, by=curator)
    assert "Shared booking for council rooms and halls" not in search(client, "halls booking")
    assert [h.status for h in Framework.history.filter(id=draft.pk).order_by("history_id")] == [
        "draft",
        "published",
        "archived",
    ]


def test_an_edit_to_a_published_framework_reaches_search_at_once(client, draft, curator):
    framework = framework_publish(framework=draft, by=curator)
    saved = framework_update(
        framework=framework,
        by=curator,
        content=content(title="Shared booking for community centres", review_by=framework.review_by),
        expected_version=framework.version,
    )
    assert saved.changed == ["title"]
    assert "Shared booking for community centres" in search(client, "community centres")


def test_a_stale_edit_is_refused_and_changes_nothing(draft, curator):
    framework_update(framework=draft, by=curator, content=content(pitfalls="- Newer"), expected_version=draft.version)
    with pytest.raises(EditConflict):
        framework_update(framework=draft, by=curator, content=content(pitfalls="- Older"), expected_version=1)
    draft.refresh_from_db()
    assert draft.pitfalls == "- Newer"


def test_a_published_framework_cannot_lose_its_summary(draft, curator):
    framework = framework_publish(framework=draft, by=curator)
    with pytest.raises(EditError, match="needs a summary"):
        framework_update(
            framework=framework, by=curator, content=content(summary=""), expected_version=framework.version
        )


def test_a_draft_without_a_summary_cannot_be_published(curator):
    framework = framework_create(by=curator, content=content(summary=""))
    with pytest.raises(WorkflowError, match="Add a summary"):
        framework_publish(framework=framework, by=curator)


def test_restoring_an_earlier_version_brings_back_its_content_and_silos(draft, curator):
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    first = draft.history.earliest("history_date")
    edited = content(reusable_core="Rewritten core")
    edited.m2m = {"silos": [transport]}
    framework_update(framework=draft, by=curator, content=edited, expected_version=draft.version)

    restored = framework_restore(framework=draft, history_id=first.history_id, by=curator, expected_version=2)

    assert restored.reusable_core.startswith("1. One list of bookable spaces")
    assert list(restored.silos.all()) == []
    assert restored.version == 3
    assert restored.history.latest("history_date").history_change_reason.startswith("Restored the version of")


def test_restoring_the_current_version_is_refused(draft, curator):
    with pytest.raises(EditError, match="nothing to restore"):
        framework_restore(
            framework=draft, history_id=draft.history.latest("history_date").history_id, by=curator, expected_version=1
        )


def test_every_lifecycle_write_marks_the_summaries_stale_instead_of_refreshing_them(curator):
    framework = framework_create(by=curator, content=content())
    framework = framework_publish(framework=framework, by=curator)
    framework_archive(framework=framework, by=curator)
    assert SummaryStaleMark.objects.count() == 3


# --- Pages ---------------------------------------------------------------------------------

CURATOR_PAGES = [
    "/curate/frameworks/",
    "/curate/frameworks/new/",
    "/curate/frameworks/{slug}/",
    "/curate/frameworks/{slug}/edit/",
    "/curate/frameworks/{slug}/history/",
]
POST_ONLY = ["/curate/frameworks/{slug}/publish/", "/curate/frameworks/{slug}/archive/"]


@pytest.mark.parametrize("url", CURATOR_PAGES)
@pytest.mark.parametrize(
    "who, status",
    [("visitor", 302), ("owner", 403), ("colleague", 403), ("curator_without_2fa", 302), ("curator", 200)],
)
def test_only_curators_with_two_factor_open_the_framework_pages(client_for, draft, url, who, status):
    response = client_for(who).get(url.format(slug=draft.slug))
    assert response.status_code == status
    if who == "curator_without_2fa":
        assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize("url", POST_ONLY)
def test_lifecycle_changes_are_post_only(client_for, draft, url):
    assert client_for("curator").get(url.format(slug=draft.slug)).status_code == 405


@pytest.mark.parametrize("url", POST_ONLY)
def test_a_member_cannot_publish_or_archive_by_posting(client_for, draft, url):
    assert client_for("owner").post(url.format(slug=draft.slug)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_list_shows_every_status_and_filters_by_one(client_for, draft):
    FrameworkFactory(title="Published bin-lorry tracking", status=Status.PUBLISHED)
    curator = client_for("curator")
    html = curator.get("/curate/frameworks/").content.decode()
    assert "Shared booking for council rooms and halls" in html and "Published bin-lorry tracking" in html
    html = curator.get("/curate/frameworks/", {"status": "draft"}).content.decode()
    assert "Shared booking" in html and "Published bin-lorry tracking" not in html


def test_the_list_keeps_its_query_count_flat(client_for, django_assert_max_num_queries):
    for number in range(30):
        FrameworkFactory(title=f"Framework number {number:02d}")
    curator = client_for("curator")
    with django_assert_max_num_queries(12):
        html = curator.get("/curate/frameworks/").content.decode()
    assert "Framework number 00" in html and "Page 1 of 2" in html


def test_a_curator_creates_a_draft_on_the_site(client_for, silo):
    response = client_for("curator").post(
        "/curate/frameworks/new/",
        {
            "title": "Lone worker check-ins",
            "summary": "Staff visiting residents alone check in and out from their phone.",
            "reusable_core": "An app, a monitoring desk and an escalation rota.",
            "tags": "lone working, mobile working",
            "silos": [silo.pk],
            "review_by": "2027-06-30",
        },
    )
    framework = Framework.objects.get(slug="lone-worker-check-ins")
    assert response["Location"] == "/curate/frameworks/lone-worker-check-ins/"
    assert framework.status == Status.DRAFT
    assert sorted(framework.tags.names()) == ["lone working", "mobile working"]
    assert list(framework.silos.all()) == [silo]
    assert framework.review_by == datetime.date(2027, 6, 30)


def test_a_bad_form_says_what_is_wrong_and_keeps_what_was_typed(client_for):
    response = client_for("curator").post(
        "/curate/frameworks/new/", {"title": "", "pitfalls": "Keep this text", "review_by": "31/31/2027"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Enter a title for the framework" in html
    assert "Enter the review date as a real date" in html
    assert "Keep this text" in html


def test_editing_on_the_site_saves_and_a_stale_edit_keeps_the_typing(client_for, draft):
    curator = client_for("curator")
    form = {"title": draft.title, "summary": draft.summary, "pitfalls": "- Shared keys go missing", "version": "1"}
    response = curator.post(f"/curate/frameworks/{draft.slug}/edit/", form)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.pitfalls == "- Shared keys go missing"

    form["pitfalls"] = "- An edit started before the last save"
    response = curator.post(f"/curate/frameworks/{draft.slug}/edit/", form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Someone else saved this framework" in html
    assert "An edit started before the last save" in html
    assert 'name="version" value="2"' in html


def test_publish_archive_and_publish_again_from_the_preview_page(client_for, draft):
    curator = client_for("curator")
    page = curator.get(f"/curate/frameworks/{draft.slug}/").content.decode()
    assert ">Publish</button>" in page
    assert "One online diary for every bookable council room" in page, "the preview shows the content"

    curator.post(f"/curate/frameworks/{draft.slug}/publish/")
    page = curator.get(f"/curate/frameworks/{draft.slug}/").content.decode()
    assert "is published" in page and ">Archive</button>" in page
    assert client_for("visitor").get(draft.get_absolute_url()).status_code == 200

    curator.post(f"/curate/frameworks/{draft.slug}/archive/")
    caches["pages"].clear()  # visitors' pages are cached for a short while by design
    assert client_for("visitor").get(draft.get_absolute_url()).status_code == 404
    assert "Publish again" in curator.get(f"/curate/frameworks/{draft.slug}/").content.decode()


def test_publishing_without_a_summary_is_explained(client_for, curator):
    framework = framework_create(by=curator, content=content(summary=""))
    page = client_for("curator").post(f"/curate/frameworks/{framework.slug}/publish/", follow=True).content.decode()
    assert "Add a summary before publishing the framework." in page
    framework.refresh_from_db()
    assert framework.status == Status.DRAFT


def test_history_lists_changes_and_restores_on_the_site(client_for, draft, curator):
    framework_update(framework=draft, by=curator, content=content(what_varies="- Opening hours"), expected_version=1)
    curator_client = client_for("curator")
    html = curator_client.get(f"/curate/frameworks/{draft.slug}/history/").content.decode()
    assert "What varies" in html and "Opening hours" in html
    first = draft.history.earliest("history_date")

    response = curator_client.post(
        f"/curate/frameworks/{draft.slug}/history/{first.history_id}/restore/", {"version": "2"}, follow=True
    )
    assert "The earlier version has been restored" in response.content.decode()
    draft.refresh_from_db()
    assert draft.what_varies == "- Which community groups get free use"


def test_publishing_and_restoring_a_framework_are_in_the_audit_log(draft, curator):
    from portal.models import AuditEntry

    framework = framework_update(
        framework=draft, by=curator, content=content(pitfalls="- New"), expected_version=1
    ).item
    framework_publish(framework=framework, by=curator)
    first = draft.history.earliest("history_date")
    framework_restore(framework=draft, history_id=first.history_id, by=curator, expected_version=3)
    entries = list(AuditEntry.objects.filter(target=draft.title).order_by("pk").values_list("action", "actor"))
    assert entries == [(AuditEntry.Action.PUBLISHED, curator.pk), (AuditEntry.Action.RESTORED, curator.pk)]
