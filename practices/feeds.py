"""Atom feeds of new published case studies: all of them, or by council, silo, tag or framework."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from councils.models import Council, ServiceSilo
from practices.models import CaseStudy, Framework
from practices.selectors import access

FEED_ITEMS = 30
# Characters XML 1.0 cannot carry at all; text typed or imported with them must not take a feed down.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value):
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return [_xml_safe(part) for part in value]
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom, with characters XML cannot hold dropped from every text, rather than failing the whole feed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})


def _absolute(path: str) -> str:
    # The sites framework's default domain is example.com; SITE_URL is what we are served at.
    return settings.SITE_URL.rstrip("/") + path


def _published():
    return (
        CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED)
        .select_related("lead_council", "primary_silo")
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )


class CaseStudyFeed(Feed):
    """What every feed shares: one entry per published case study, newest first."""

    feed_type = XmlSafeAtom1Feed

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Atom carries the summary as HTML; the summary is plain text, so readers must show it as text.
        return escape(item.summary)

    def item_link(self, item):
        return _absolute(item.get_absolute_url())

    def item_guid(self, item):
        return _absolute(item.get_absolute_url())

    def feed_url(self, obj):
        return _absolute(self.feed_path(obj))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.lead_council.name if item.lead_council else None

    def item_categories(self, item):
        return [item.primary_silo.name, *(tag.name for tag in item.tags.all())]


class SiloFeed(CaseStudyFeed):
    def get_object(self, request, slug):
        return get_object_or_404(ServiceSilo, slug=slug)

    def title(self, obj):
        return f"New case studies in {obj.name}"

    def subtitle(self, obj):
        return f"Published case studies whose main service silo is {obj.name}."

    def link(self, obj):
        return _absolute(obj.get_absolute_url())

    def feed_path(self, obj):
        return f"/feeds/silos/{obj.slug}/"

    def items(self, obj):
        return _published().filter(primary_silo=obj)[:FEED_ITEMS]


class TagFeed(CaseStudyFeed):
    def get_object(self, request, slug):
        return access.tag_get_public(slug)

    def title(self, obj):
        return f"New case studies tagged {obj.name}"

    def subtitle(self, obj):
        return f"Published case studies in any silo tagged “{obj.name}”."

    def link(self, obj):
        return _absolute(f"/tags/{obj.slug}/")

    def feed_path(self, obj):
        return f"/feeds/tags/{obj.slug}/"

    def items(self, obj):
        return _published().filter(tags=obj)[:FEED_ITEMS]


class FrameworkFeed(CaseStudyFeed):
    def get_object(self, request, slug):
        framework = get_object_or_404(Framework, slug=slug)
        if framework.status != Framework.Status.PUBLISHED:
            raise Http404("No framework found")
        return framework

    def title(self, obj):
        return f"New implementations of {obj.title}"

    def subtitle(self, obj):
        return f"Published case studies, in any silo, that implement the framework “{obj.title}”."

    def link(self, obj):
        return _absolute(obj.get_absolute_url())

    def feed_path(self, obj):
        return f"/feeds/frameworks/{obj.slug}/"

    def items(self, obj):
        return _published().filter(framework_links__framework=obj)[:FEED_ITEMS]


class LatestCaseStudiesFeed(CaseStudyFeed):
    """Every newly published case study, from any council and silo."""

    def get_object(self, request):
        return None

    def title(self, obj):
        return f"New case studies on the {settings.SITE_NAME}"

    def subtitle(self, obj):
        return "Case studies from every council and service silo, newest first."

    def link(self, obj):
        return _absolute("/case-studies/")

    def feed_path(self, obj):
        return "/feeds/case-studies/"

    def items(self, obj):
        return _published()[:FEED_ITEMS]


class CouncilFeed(CaseStudyFeed):
    """A council's newly published case studies, as lead council."""

    def get_object(self, request, slug):
        return get_object_or_404(Council, slug=slug)

    def title(self, obj):
        return f"New case studies from {obj.name}"

    def subtitle(self, obj):
        return f"Published case studies led by {obj.name}."

    def link(self, obj):
        return _absolute(obj.get_absolute_url())

    def feed_path(self, obj):
        return f"/feeds/councils/{obj.slug}/"

    def items(self, obj):
        return _published().filter(lead_council=obj)[:FEED_ITEMS]
