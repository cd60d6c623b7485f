"""factory_boy factories for practices (used by the tests)."""

import datetime

import factory
from django.utils import timezone

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.models import Adoption, CaseStudy, CitizenGroup, Framework, FrameworkLink


class CitizenGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenGroup
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Residents group {n}")
    slug = factory.Sequence(lambda n: f"residents-group-{n}")


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    title = factory.Sequence(lambda n: f"Vehicle tracking framework {n}")
    slug = factory.Sequence(lambda n: f"vehicle-tracking-framework-{n}")
    summary = "Track council vehicles and share live positions with the people who need them."
    reusable_core = "1. Fit trackers\n2. Publish live positions"
    what_varies = "- Who sees the data"
    pitfalls = "- Forgetting driver consultation"
    status = Framework.Status.PUBLISHED
    review_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class CaseStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseStudy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Live tracking for fleet {n}")
    slug = factory.Sequence(lambda n: f"live-tracking-for-fleet-{n}")
    lead_council = factory.SubFactory(CouncilFactory)
    primary_silo = factory.SubFactory(ServiceSiloFactory)
    summary = "Vehicles carry GPS units so the control room and residents can see where they are."
    problem = "Residents phoned to ask where the vehicle was."
    approach = "Fitted GPS units and published positions."
    outcomes = "Calls fell by 40%."
    lessons = ["Involve drivers early"]
    things_to_avoid = ["Buying hardware before agreeing data standards"]
    status = CaseStudy.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    start_year = 2019
    contact_email = "fleet.team@example.gov.uk"

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class FrameworkLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkLink

    case_study = factory.SubFactory(CaseStudyFactory)
    framework = factory.SubFactory(FrameworkFactory)
    customisation = "Added a text message alert for residents without smartphones."


class AdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adoption

    council = factory.SubFactory(CouncilFactory)
    case_study = factory.SubFactory(CaseStudyFactory)
    framework = None
    silo = factory.SubFactory(ServiceSiloFactory)
    status = Adoption.Status.LIVE
