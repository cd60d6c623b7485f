"""Reads for the council and silo pages: councils and silos with what they have published and reused."""

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from councils.models import Council, ServiceSilo

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
