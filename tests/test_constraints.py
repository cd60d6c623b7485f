"""Every invariant the database holds, shown by trying to break it."""

import pytest
from django.db import IntegrityError, transaction

from councils.factories import MemberProfileFactory, ServiceSiloFactory
from councils.models import Council, MemberProfile
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import Adoption, CaseStudy, Enquiry, Framework, FrameworkLink

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


class TestCouncil:
    def test_slugs_are_unique(self, council):
        refused(
            lambda: Council.objects.create(
                name="Copy",
                slug=council.slug,
                gss_code="E06000099",
                kind="unitary",
                nation="england",
                region="south-west",
            )
        )

    def test_gss_codes_are_unique(self, council):
        refused(
            lambda: Council.objects.create(
                name="Copy",
                slug="copy",
                gss_code=council.gss_code,
                kind="unitary",
                nation="england",
                region="south-west",
            )
        )

    @pytest.mark.parametrize("code", ["E0600002", "X06000023", "e06000023", "E 6000023", "E0600002A"])
    def test_gss_code_must_be_a_nation_letter_and_eight_digits(self, code):
        refused(
            lambda: Council.objects.create(
                name="Bad", slug="bad", gss_code=code, kind="unitary", nation="england", region="south-west"
            )
        )

    def test_gss_code_may_be_missing_for_bodies_without_one(self):
        body = Council.objects.create(
            name="Local Government Association", slug="lga", kind="other", nation="england", region="london"
        )
        assert body.gss_code is None

    @pytest.mark.parametrize("slug", ["Bristol", "bristol city", "-bristol", "bristol--city", ""])
    def test_slug_format(self, slug):
        refused(
            lambda: Council.objects.create(name="Bad", slug=slug, kind="unitary", nation="england", region="south-west")
        )

    @pytest.mark.parametrize("field,value", [("kind", "parish"), ("nation", "cornwall"), ("region", "midlands")])
    def test_choices_are_enforced(self, field, value):
        values = {
            "name": "Bad",
            "slug": "bad",
            "kind": "unitary",
            "nation": "england",
            "region": "south-west",
            field: value,
        }
        refused(lambda: Council.objects.create(**values))

    def test_name_is_required(self):
        refused(
            lambda: Council.objects.create(
                name="", slug="nameless", kind="unitary", nation="england", region="south-west"
            )
        )


class TestSiloAndProfile:
    def test_silo_names_and_slugs_are_unique(self, silo):
        refused(lambda: ServiceSiloFactory.build(name=silo.name, slug="other").save())
        refused(lambda: ServiceSiloFactory.build(name="Other", slug=silo.slug).save())

    def test_officer_must_belong_to_a_council(self):
        refused(lambda: MemberProfileFactory(council=None, role=MemberProfile.Role.OFFICER))

    def test_member_without_council_is_allowed(self):
        assert MemberProfileFactory(council=None, role=MemberProfile.Role.MEMBER).pk


class TestCaseStudy:
    def test_slugs_are_unique(self):
        existing = CaseStudyFactory()
        refused(lambda: CaseStudyFactory(slug=existing.slug))

    def test_published_needs_a_summary(self):
        refused(lambda: CaseStudyFactory(summary=""))

    def test_published_needs_a_lead_council(self):
        refused(lambda: CaseStudyFactory(lead_council=None))

    def test_published_needs_a_publication_date(self):
        refused(lambda: CaseStudyFactory(published_at=None))

    def test_a_draft_may_be_incomplete(self):
        draft = CaseStudyFactory(status=CaseStudy.Status.DRAFT, summary="", lead_council=None, published_at=None)
        assert draft.status == "draft"

    def test_end_year_cannot_precede_start_year(self):
        refused(lambda: CaseStudyFactory(start_year=2020, end_year=2019))

    @pytest.mark.parametrize("year", [1989, 2101])
    def test_years_are_plausible(self, year):
        refused(lambda: CaseStudyFactory(start_year=year))

    @pytest.mark.parametrize("field,value", [("status", "pending"), ("cost_band", "cheap"), ("funding_source", "bank")])
    def test_choices_are_enforced(self, field, value):
        refused(lambda: CaseStudyFactory(**{field: value}))


class TestFrameworkLinksAndAdoptions:
    def test_one_link_per_case_study_and_framework(self):
        link = FrameworkLinkFactory()
        refused(lambda: FrameworkLink.objects.create(case_study=link.case_study, framework=link.framework))

    def test_published_framework_needs_a_summary(self):
        refused(lambda: FrameworkFactory(summary=""))

    def test_framework_slugs_are_unique(self):
        framework = FrameworkFactory()
        refused(lambda: FrameworkFactory(slug=framework.slug))

    def test_adoption_targets_exactly_one_thing(self):
        case_study, framework = CaseStudyFactory(), FrameworkFactory()
        refused(lambda: AdoptionFactory(case_study=case_study, framework=framework))
        refused(lambda: AdoptionFactory(case_study=None, framework=None))

    def test_a_council_records_reuse_of_a_case_study_once(self):
        adoption = AdoptionFactory()
        refused(lambda: AdoptionFactory(council=adoption.council, case_study=adoption.case_study))

    def test_a_council_records_reuse_of_a_framework_once(self):
        adoption = AdoptionFactory(case_study=None, framework=FrameworkFactory())
        refused(lambda: AdoptionFactory(council=adoption.council, case_study=None, framework=adoption.framework))

    def test_adoption_status_is_enforced(self):
        refused(lambda: AdoptionFactory(status="abandoned"))

    def test_enquiry_needs_a_message(self, officer):
        case_study = CaseStudyFactory()
        refused(lambda: Enquiry.objects.create(case_study=case_study, sender=officer, message=""))
        refused(lambda: Enquiry.objects.create(case_study=case_study, sender=officer, message="Hi", kind="phone"))


def test_model_constraints_match_database_validation():
    """full_clean reports the same rules before the database has to refuse them."""
    from django.core.exceptions import ValidationError

    draft = CaseStudyFactory.build(
        status=Framework.Status.PUBLISHED, summary="", lead_council=None, primary_silo=ServiceSiloFactory()
    )
    with pytest.raises(ValidationError):
        draft.full_clean()
    assert Adoption.Status.LIVE in Adoption.Status.values
