"""sitemap.xml: every published case study and framework, and the council, silo and list pages.

Addresses use SITE_URL (the sites framework's domain is left at its default),
and each section is split into pages of 10,000 so the files stay small at any size.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.template.response import TemplateResponse
from django.urls import reverse

from councils.models import Council, ServiceSilo
from practices.models import CaseStudy, Framework


class _SiteUrlSitemap(Sitemap):
    limit = 10_000

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class CaseStudySitemap(_SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED).only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class FrameworkSitemap(_SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return Framework.objects.filter(status=Framework.Status.PUBLISHED).only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class CouncilSitemap(_SiteUrlSitemap):
    def items(self):
        return Council.objects.only("slug").order_by("pk")


class SiloSitemap(_SiteUrlSitemap):
    def items(self):
        return ServiceSilo.objects.only("slug").order_by("pk")


class PageSitemap(_SiteUrlSitemap):
    changefreq = "daily"

    def items(self):
        return [
            "home",
            "practices:case_study_list",
            "practices:framework_list",
            "councils:council_list",
            "councils:silo_list",
            "practices:insights",
            "api:docs",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PageSitemap,
    "case-studies": CaseStudySitemap,
    "frameworks": FrameworkSitemap,
    "councils": CouncilSitemap,
    "silos": SiloSitemap,
}


def sitemap_index_urls() -> list[dict]:
    """The section pages the index lists, with SITE_URL addresses."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        path = reverse("sitemap_section", kwargs={"section": section})
        base = settings.SITE_URL.rstrip("/") + path
        entries.append({"location": base})
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append({"location": f"{base}?p={page}"})
    return entries


def sitemap_index(request):
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": sitemap_index_urls()}, content_type="application/xml"
    )
