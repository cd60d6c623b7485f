"""The read-only API: thin views over practices.selectors.open_data and the site's search."""

from __future__ import annotations

import re

from django.http import Http404
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes, schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, serializers
from api.pagination import NewestCursorPagination, SlugCursorPagination
from councils.models import GSS_PATTERN
from practices.selectors import browse, open_data
from practices.selectors.search import SearchRequest, search


def _last_modified(response, stamps) -> None:
    stamps = [s for s in stamps if s is not None]
    if stamps:
        response["Last-Modified"] = http_date(max(stamps).timestamp())


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "slug"
    pagination_class = SlugCursorPagination
    filter_class: type[filters.FilterSerializer] | None = None

    def filters(self) -> dict[str, list[str]]:
        if self.filter_class is None or self.action != "list":
            return {}
        return self.filter_class(query_params=self.request.query_params).filters()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        page = getattr(self.paginator, "page", None) or []
        _last_modified(response, [getattr(item, "updated_at", None) for item in page])
        response["Vary"] = "Authorization, Origin"
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        _last_modified(response, [getattr(instance, "updated_at", None)])
        response["Vary"] = "Authorization, Origin"
        return response

    def get_object(self):
        self._object = super().get_object()
        return self._object


@extend_schema_view(list=extend_schema(parameters=[filters.CaseStudyFilters]))
class CaseStudyViewSet(ReadOnlyViewSet):
    """Published case studies; with a personal token, also your own council's unpublished ones."""

    serializer_class = serializers.CaseStudySerializer
    filter_class = filters.CaseStudyFilters

    def get_queryset(self):
        queryset = open_data.case_studies_readable(self.request.user)
        queryset = open_data.case_studies_filtered(queryset, self.filters())
        return open_data.case_studies_with_details(queryset)


@extend_schema_view(list=extend_schema(parameters=[filters.FrameworkFilters]))
class FrameworkViewSet(ReadOnlyViewSet):
    """Published frameworks; each one's page lists its newest implementations."""

    serializer_class = serializers.FrameworkSerializer
    filter_class = filters.FrameworkFilters
    implementations_shown = 100

    def get_queryset(self):
        queryset = browse.frameworks_published().select_related("generalised_from")
        return open_data.frameworks_filtered(queryset, self.filters())

    def get_serializer_class(self):
        return serializers.FrameworkDetailSerializer if self.action == "retrieve" else serializers.FrameworkSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve" and getattr(self, "_object", None) is not None:
            links = open_data.framework_implementation_links([self._object.pk], user=self.request.user)
            context["implementations"] = list(links[: self.implementations_shown])
        return context


class CouncilViewSet(ReadOnlyViewSet):
    """Councils and other public bodies; look one up by slug or by ONS GSS code."""

    serializer_class = serializers.CouncilSerializer
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_queryset(self):
        return open_data.councils_all()

    def get_object(self):
        value = self.kwargs["slug"]
        field = "gss_code" if re.match(GSS_PATTERN, value) else "slug"
        council = self.get_queryset().filter(**{field: value}).first()
        if council is None:
            raise Http404("No council found")
        self._object = council
        return council

    @extend_schema(parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, description="Slug or GSS code")])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class SiloViewSet(ReadOnlyViewSet):
    """Service silos: the professional areas council work is organised in."""

    serializer_class = serializers.SiloSerializer

    def get_queryset(self):
        return open_data.silos_all()


class TagViewSet(ReadOnlyViewSet):
    """Tags on published case studies and frameworks: the capabilities that join silos."""

    serializer_class = serializers.TagSerializer

    def get_queryset(self):
        return open_data.tags_in_use()


@extend_schema_view(list=extend_schema(parameters=[filters.AdoptionFilters]))
class AdoptionViewSet(ReadOnlyViewSet):
    """'We reused this': councils' reuse of published case studies and frameworks, newest first."""

    serializer_class = serializers.AdoptionSerializer
    filter_class = filters.AdoptionFilters
    pagination_class = NewestCursorPagination
    lookup_field = "pk"

    def get_queryset(self):
        queryset = open_data.adoptions_public()
        wanted = self.filters()
        if wanted.get("council"):
            queryset = queryset.filter(council__slug__in=wanted["council"])
        if wanted.get("case_study"):
            queryset = queryset.filter(case_study__slug__in=wanted["case_study"])
        if wanted.get("framework"):
            queryset = queryset.filter(framework__slug__in=wanted["framework"])
        if wanted.get("status"):
            queryset = queryset.filter(status__in=wanted["status"])
        return queryset


class SearchView(APIView):
    """The site's search: the same engine, facets and ranking as /search/."""

    @extend_schema(parameters=[filters.SearchParameters], responses=serializers.SearchResponseSerializer)
    def get(self, request):
        params = filters.SearchParameters(query_params=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        facet_values = {
            key: [str(v) for v in values] for key, values in data.items() if isinstance(values, list) and values
        }
        q = " ".join((data.get("q") or "").split())
        outcome = search(
            SearchRequest(
                q=q,
                filters=facet_values,
                sort=data.get("sort") or ("relevance" if q else "newest"),
                page=data.get("page") or 1,
            )
        )
        page = outcome.page
        num_pages = max(getattr(outcome, "num_pages", 1) or 1, 1)

        def page_url(number: int) -> str:
            query = request.query_params.copy()
            query["page"] = str(number)
            return request.build_absolute_uri(reverse("api:search") + "?" + query.urlencode())

        body = {
            "count": outcome.total,
            "page": page,
            "num_pages": num_pages,
            "next": page_url(page + 1) if page < num_pages else None,
            "previous": page_url(page - 1) if page > 1 else None,
            "results": [
                {
                    "kind": result.kind,
                    "title": result.title,
                    "url": serializers.absolute(result.url),
                    "snippet_html": str(result.snippet),
                    "council": result.council or "",
                    "silo": result.silo or "",
                    "start_year": result.start_year,
                    "published_at": result.published_at or "",
                    "tags": [tag.get("name", "") if isinstance(tag, dict) else str(tag) for tag in result.tags],
                }
                for result in outcome.results
            ],
            "facets": [
                {
                    "key": facet.key,
                    "label": facet.label,
                    "approximate": bool(facet.approximate),
                    "values": [
                        {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                        for v in facet.values
                    ],
                }
                for facet in outcome.facets
            ],
            "notices": [str(n) for n in outcome.notices],
            "suggestion": outcome.suggestion or "",
            "corrected_from": outcome.corrected_from or "",
        }
        response = Response(body)
        response["Vary"] = "Authorization, Origin"
        return response


@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@schema(None)
def api_root(request):
    """Where everything is, for people and for clients that follow links."""

    def url(name: str) -> str:
        return serializers.absolute(reverse(name))

    return Response(
        {
            "case_studies": url("api:case-study-list"),
            "frameworks": url("api:framework-list"),
            "councils": url("api:council-list"),
            "silos": url("api:silo-list"),
            "tags": url("api:tag-list"),
            "adoptions": url("api:adoption-list"),
            "search": url("api:search"),
            "schema": url("api:schema"),
            "docs": url("api:docs"),
            "licence": serializers.licence_of(type("Default", (), {"licence": ""})()),
        }
    )
