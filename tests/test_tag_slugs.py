"""Tags in any language get an ASCII slug, so a non-ASCII tag never takes a public page down."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from practices.factories import CaseStudyFactory
from practices.models import CaseStudy
from practices.services.curation import tag_rename
from practices.services.tags import URL_SLUG_RE, tag_slug

NON_ASCII_TAGS = ["café", "Gwasanaethau cymdeithasol", "Ailgylchu â llaw", "Σχολικά λεωφορεία", "公交", "🚌", "!!!"]


@pytest.mark.parametrize("name", NON_ASCII_TAGS)
def test_every_tag_gets_an_ascii_slug_the_tag_page_can_use(db, name):
    case_study = CaseStudyFactory(tags=[name])
    tag = case_study.tags.get()
    assert tag.name == name
    assert URL_SLUG_RE.fullmatch(tag.slug)
    assert reverse("practices:tag_detail", args=[tag.slug]) == f"/tags/{tag.slug}/"


def test_slugs_are_transliterated_where_a_reader_would_recognise_them():
    assert tag_slug("Café culture") == "cafe-culture"
    assert tag_slug("Ailgylchu â llaw") == "ailgylchu-a-llaw"
    assert tag_slug("Σχολικά") == "scholika"
    assert tag_slug("🚌") == "bus"
    # Nothing to transliterate: a short id from the name, the same every time.
    assert tag_slug("!!!") == tag_slug("!!!")
    assert tag_slug("!!!").startswith("tag-") and tag_slug("!!!") != tag_slug("???")


def test_two_names_with_the_same_transliteration_get_different_slugs(db):
    CaseStudyFactory(tags=["Cafe"])
    CaseStudyFactory(tags=["Café"])
    slugs = set(Tag.objects.values_list("slug", flat=True))
    assert len(slugs) == 2 and "cafe" in slugs


def test_published_work_with_accented_tags_keeps_public_pages_up(client, db):
    case_study = CaseStudyFactory(title="Community café meals for older residents", tags=["café", "Prydau cymunedol"])
    tag = Tag.objects.get(name="café")
    for path in ["/", "/case-studies/", "/search/?q=café", f"/case-studies/{case_study.slug}/", f"/tags/{tag.slug}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "café" in client.get(f"/tags/{tag.slug}/").content.decode()


def test_a_draft_with_an_accented_tag_opens_for_its_officer(client, db, officer):
    draft = CaseStudyFactory(
        status=CaseStudy.Status.DRAFT,
        published_at=None,
        created_by=officer,
        lead_council=officer.profile.council,
        tags=["Gofal â chariad"],
    )
    client.force_login(officer)
    response = client.get(reverse("practices:case_study_detail", args=[draft.slug]))
    assert response.status_code == 200
    assert "Gofal â chariad" in response.content.decode()


def test_renaming_a_tag_into_another_language_gives_an_ascii_slug(db, curator):
    CaseStudyFactory(tags=["school transport"])
    tag = tag_rename(tag=Tag.objects.get(name="school transport"), name="Cludiant ysgol â bws", actor=curator)
    assert tag.slug == "cludiant-ysgol-a-bws"


def test_the_migration_gives_existing_unicode_slugs_an_ascii_one(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("practices.migrations.0007_tag_ascii_slugs")
    CaseStudyFactory(tags=["café", "bus stops"])
    Tag.objects.filter(name="café").update(slug="café")  # as taggit saved it before the fix
    migration.ascii_slugs(apps, None)
    assert dict(Tag.objects.values_list("name", "slug")) == {"café": "cafe", "bus stops": "bus-stops"}
