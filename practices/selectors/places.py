"""Reads for the council and silo pages: councils and silos with what they have published and reused."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from councils.models import Council, ServiceSilo
from practices.selectors import browse, discovery

# Counts come from the summaries practices.services.discovery_stats keeps
# (recounted by the worker after writes), so these lists cost the same at any size.
_COUNCIL_STAT_SQL = (
    "SELECT coalesce(max(s.{column}), 0) FROM practices_council_stats s WHERE s.council_id = councils_council.id"
)


def councils_with_counts() -> QuerySet[Council]:
    """Councils with `published_count` (case studies led) and `adoption_count` (reuses not stopped)."""
    return Council.objects.annotate(
        published_count=RawSQL(_COUNCIL_STAT_SQL.format(column="contributed"), []),  # noqa: S611 - constant SQL
        adoption_count=RawSQL(_COUNCIL_STAT_SQL.format(column="reused"), []),  # noqa: S611 - constant SQL
    ).order_by("name")


def silos_with_counts() -> QuerySet[ServiceSilo]:
    """Silos with `published_count`: the silo total the silo × tag summary keeps under tag 0."""
    return ServiceSilo.objects.annotate(
        published_count=RawSQL(
            "SELECT coalesce(max(s.case_studies), 0) FROM practices_silo_tag_stats s"
            " WHERE s.silo_id = councils_servicesilo.id AND s.tag_id = 0",
            [],
        )
    ).order_by("name")


def council_page(council: Council, *, page_number: str | None) -> dict:
    """A council's page: the case studies it led (a page at a time), those it partnered in, and reuse both ways."""
    return {
        "council": council,
        "page": Paginator(browse.case_studies_led_by(council), 20).get_page(page_number),
        "partnered": browse.case_studies_partnered_by(council),
        "adoptions": browse.adoptions_by_council(council),
        "reused_by_others": browse.adoptions_of_council_work(council),
    }


def silo_page(silo: ServiceSilo, *, user) -> dict:
    """A silo's page: its case studies and frameworks, ideas from other silos, and whether the user follows it."""
    return {
        "silo": silo,
        "case_studies": browse.case_studies_for_silo(silo)[:50],
        "frameworks": browse.frameworks_for_silo(silo),
        "ideas": discovery.frameworks_ideas_from_other_silos(silo),
        "following": discovery.follow_get(user, silo=silo),
    }
