"""Markdown written by members, rendered to sanitised HTML with GOV.UK classes."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "h3",
    "h4",
    "blockquote",
    "code",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
GOVUK_CLASSES = {
    "p": {"class": "govuk-body"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
    "h3": {"class": "govuk-heading-s"},
    "h4": {"class": "govuk-heading-s"},
    "table": {"class": "govuk-table"},
    "th": {"class": "govuk-table__header"},
    "td": {"class": "govuk-table__cell"},
    "tr": {"class": "govuk-table__row"},
}


def render_markdown(text: str) -> str:
    html = markdown_lib.markdown(text or "", extensions=["tables", "sane_lists"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values=GOVUK_CLASSES,
    )


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 above
