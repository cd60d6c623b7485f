"""factory_boy factories for councils, silos and members (used by the tests)."""

import factory
from django.contrib.auth import get_user_model

from councils.models import Council, MemberProfile, ServiceSilo


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Borsetshire District Council {n}")
    slug = factory.Sequence(lambda n: f"borsetshire-{n}")
    gss_code = factory.Sequence(lambda n: f"E07{n:06d}")
    kind = Council.Kind.DISTRICT
    nation = Council.Nation.ENGLAND
    region = Council.Region.WEST_MIDLANDS
    website = factory.LazyAttribute(lambda o: f"https://www.{o.slug}.gov.uk/")
    email_domains = factory.LazyAttribute(lambda o: [f"{o.slug}.gov.uk"])


class ServiceSiloFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceSilo
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Service area {n}")
    slug = factory.Sequence(lambda n: f"service-area-{n}")
    description = "A professional service area."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"officer{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.uk")
    password = factory.django.Password("correct horse battery staple")


class MemberProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberProfile

    user = factory.SubFactory(UserFactory)
    council = factory.SubFactory(CouncilFactory)
    role = MemberProfile.Role.MEMBER
    job_title = "Service improvement officer"
