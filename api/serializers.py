"""What the API returns: published content as the import format names it, never contacts or members."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from councils.models import CouncilKind, Nation, Region
from practices.models import (
    DEFAULT_LICENCE,
    DEFAULT_LICENCE_URL,
    AdoptionStatus,
    CaseStudyStatus,
    CostBand,
    Effort,
    FundingSource,
)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(allow_null=True)


def licence_of(item) -> dict:
    if not item.licence:
        return {"name": DEFAULT_LICENCE, "url": DEFAULT_LICENCE_URL}
    return {"name": item.licence, "url": None}


# The item's page on the site (url) and its API detail (api_url, the route api_detail). Methods only: each
# serializer declares the fields itself, so they keep their place in its output. No docstring, which the
# OpenAPI schema would show as the description of every serializer that uses it.
class ItemLinksMixin:
    api_detail = ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return absolute(obj.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj) -> str:
        return absolute(reverse(self.api_detail, kwargs={"slug": obj.slug}))


# The licence of published content: the default OGL unless the item names its own (no docstring, as above).
class LicenceMixin:
    @extend_schema_field(LicenceSerializer)
    def get_licence(self, obj):
        return licence_of(obj)


class CouncilRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    gss_code = serializers.CharField(allow_null=True)


class SiloRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ImplementationOfSerializer(serializers.Serializer):
    """A framework a case study implements, and how."""

    framework = serializers.CharField(source="framework.slug")
    title = serializers.CharField(source="framework.title")
    customisation = serializers.CharField()
    citizen_group = serializers.CharField(source="citizen_group.slug", allow_null=True, default=None)
    effort = serializers.ChoiceField(choices=[("", "Not given"), *Effort.choices])


class CaseStudySerializer(ItemLinksMixin, LicenceMixin, serializers.Serializer):
    api_detail = "api:case-study-detail"

    slug = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStudyStatus.choices)
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    lead_council = CouncilRefSerializer(allow_null=True)
    partner_councils = CouncilRefSerializer(many=True, source="partner_council_list")
    partner_agencies = serializers.CharField()
    primary_silo = SiloRefSerializer()
    other_silos = SiloRefSerializer(many=True, source="other_silo_list")
    summary = serializers.CharField()
    problem = serializers.CharField()
    approach = serializers.CharField()
    outcomes = serializers.CharField()
    cost_band = serializers.ChoiceField(choices=[("", "Not given"), *CostBand.choices])
    funding_source = serializers.ChoiceField(choices=[("", "Not given"), *FundingSource.choices])
    citizen_groups = serializers.SerializerMethodField()
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    lessons = serializers.ListField(child=serializers.CharField())
    things_to_avoid = serializers.ListField(child=serializers.CharField())
    hosts_visits = serializers.BooleanField()
    tags = serializers.SerializerMethodField()
    frameworks = ImplementationOfSerializer(many=True, source="published_framework_links")
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    review_by = serializers.DateField(allow_null=True)
    licence = serializers.SerializerMethodField()

    def get_citizen_groups(self, obj) -> list[str]:
        return [group.slug for group in obj.citizen_group_list]

    def get_tags(self, obj) -> list[str]:
        return sorted(tag.name for tag in obj.tag_list)


class CaseStudyRefSerializer(ItemLinksMixin, serializers.Serializer):
    api_detail = "api:case-study-detail"

    slug = serializers.CharField()
    title = serializers.CharField()
    lead_council = CouncilRefSerializer(allow_null=True)
    primary_silo = SiloRefSerializer()
    published_at = serializers.DateTimeField(allow_null=True)
    api_url = serializers.SerializerMethodField()


class ImplementationSerializer(serializers.Serializer):
    """A case study implementing the framework: what it customised, for whom, with what effort."""

    case_study = CaseStudyRefSerializer()
    customisation = serializers.CharField()
    citizen_group = serializers.CharField(source="citizen_group.slug", allow_null=True, default=None)
    effort = serializers.ChoiceField(choices=[("", "Not given"), *Effort.choices])


class FrameworkSerializer(ItemLinksMixin, LicenceMixin, serializers.Serializer):
    api_detail = "api:framework-detail"

    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    summary = serializers.CharField()
    reusable_core = serializers.CharField()
    what_varies = serializers.CharField()
    pitfalls = serializers.CharField()
    silos = SiloRefSerializer(many=True)
    tags = serializers.SerializerMethodField()
    generalised_from = serializers.SerializerMethodField()
    implementation_count = serializers.IntegerField()
    adoption_count = serializers.IntegerField()
    implementations_api_url = serializers.SerializerMethodField()
    review_by = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()
    licence = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_implementations_api_url(self, obj) -> str:
        return absolute(reverse("api:case-study-list") + f"?framework={obj.slug}")

    def get_tags(self, obj) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_generalised_from(self, obj):
        origin = obj.generalised_from
        return origin.slug if origin is not None and origin.status == CaseStudyStatus.PUBLISHED else None


class FrameworkDetailSerializer(FrameworkSerializer):
    implementations = serializers.SerializerMethodField()

    @extend_schema_field(ImplementationSerializer(many=True))
    def get_implementations(self, obj):
        return ImplementationSerializer(self.context["implementations"], many=True).data


class CouncilSerializer(ItemLinksMixin, serializers.Serializer):
    api_detail = "api:council-detail"

    slug = serializers.CharField()
    name = serializers.CharField()
    gss_code = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=CouncilKind.choices)
    nation = serializers.ChoiceField(choices=Nation.choices)
    region = serializers.ChoiceField(choices=Region.choices)
    website = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    case_studies_api_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_case_studies_api_url(self, obj) -> str:
        return absolute(reverse("api:case-study-list") + f"?council={obj.slug}")


class SiloSerializer(ItemLinksMixin, serializers.Serializer):
    api_detail = "api:silo-detail"

    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()


class TagSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return absolute(f"/tags/{obj.slug}/")


class ReusedItemSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class AdoptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council = CouncilRefSerializer()
    case_study = ReusedItemSerializer(allow_null=True)
    framework = ReusedItemSerializer(allow_null=True)
    silo = SiloRefSerializer()
    status = serializers.ChoiceField(choices=AdoptionStatus.choices)
    what_changed = serializers.CharField()
    effort = serializers.ChoiceField(choices=[("", "Not given"), *Effort.choices])
    outcome = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# Search


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("case-study", "Case study"), ("framework", "Framework")])
    title = serializers.CharField()
    url = serializers.URLField()
    snippet_html = serializers.CharField(help_text="Matching text, HTML-escaped, with matches in <mark>")
    council = serializers.CharField()
    silo = serializers.CharField()
    start_year = serializers.IntegerField(allow_null=True)
    published_at = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class FacetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    approximate = serializers.BooleanField()
    values = FacetValueSerializer(many=True)


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchResultSerializer(many=True)
    facets = FacetSerializer(many=True)
    notices = serializers.ListField(child=serializers.CharField())
    suggestion = serializers.CharField(help_text="'Did you mean', when the search found little")
    corrected_from = serializers.CharField(help_text="Set when the results are for the suggestion instead")
