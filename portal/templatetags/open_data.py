"""Template tags for open data: schema.org JSON-LD on content pages and 'Download these results' links."""

import json

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from practices.models import DEFAULT_LICENCE_URL

register = template.Library()

# Inside <script>, "</script>" or "<!--" in the text would end or confuse the element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _organisation(council) -> dict:
    data = {
        "@type": "GovernmentOrganization",
        "name": council.name,
        "url": council.website or _absolute(council.get_absolute_url()),
    }
    if council.gss_code:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "ONS GSS code", "value": council.gss_code}
    return data


def _json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    # JSON-LD is data, not script: browsers do not run it, so a Content-Security-Policy allows it.
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


def _article(item, *, publisher: dict, summary: str, published, keywords: list[str]) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": item.title[:110],
        "description": " ".join(summary.split())[:300],
        "url": _absolute(item.get_absolute_url()),
        "mainEntityOfPage": _absolute(item.get_absolute_url()),
        "inLanguage": "en-GB",
        "isAccessibleForFree": True,
        "license": DEFAULT_LICENCE_URL if not item.licence else item.licence,
        "publisher": publisher,
        "author": publisher,
        "dateModified": item.updated_at.isoformat(),
    }
    if published:
        data["datePublished"] = published.isoformat()
    if keywords:
        data["keywords"] = ", ".join(keywords)
    return data


@register.simple_tag
def case_study_json_ld(case_study):
    """schema.org Article for a published case study, with its lead council as publisher."""
    if not case_study.is_published or case_study.lead_council is None:
        return ""
    data = _article(
        case_study,
        publisher=_organisation(case_study.lead_council),
        summary=case_study.summary,
        published=case_study.published_at,
        keywords=[tag.name for tag in case_study.tags.all()],
    )
    data["about"] = {"@type": "Thing", "name": case_study.primary_silo.name}
    return _json_ld(data)


@register.simple_tag
def framework_json_ld(framework):
    """schema.org Article for a framework: published by the council it was generalised from, else the portal."""
    if framework.status != framework.Status.PUBLISHED:
        return ""
    origin = framework.generalised_from
    if origin is not None and origin.is_published and origin.lead_council is not None:
        publisher = _organisation(origin.lead_council)
    else:
        publisher = {"@type": "Organization", "name": settings.SITE_NAME, "url": _absolute("/")}
    data = _article(
        framework,
        publisher=publisher,
        summary=framework.summary,
        published=framework.created_at,
        keywords=[tag.name for tag in framework.tags.all()],
    )
    return _json_ld(data)


@register.inclusion_tag("includes/download_links.html")
def download_links(request, url_name: str, label: str = "these results"):
    """Links to the same list as CSV, JSON and XLSX, keeping its filters (but not its page or cursor)."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    encoded = query.urlencode()
    suffix = f"?{encoded}" if encoded else ""
    return {
        "label": label,
        "links": [
            {"href": reverse(url_name, kwargs={"file_format": fmt}) + suffix, "text": text, "format": fmt}
            for fmt, text in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON"))
        ],
    }
