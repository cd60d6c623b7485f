"""Highlighting: the snippet PostgreSQL cuts around the matched words, and how its marks become safe HTML.

ts_headline marks the matches with private-use characters rather than tags, so
the text can be HTML-escaped first and only our own marks turned into <mark>.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .query import CONFIG

# Private-use characters mark highlights inside ts_headline's output, so the
# text can be HTML-escaped before the marks become <mark> elements.
_MARK_START, _MARK_END = "\ue000", "\ue001"
_HEADLINE_OPTIONS = (
    f'StartSel={_MARK_START}, StopSel={_MARK_END}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
)
_MARKDOWN_RE = re.compile(r"(\*\*|__|^#+\s*|`)", re.MULTILINE)


def headline_sql(params: dict, *, searched: bool) -> str:
    """The snippet column of the search statement: the matched words in context, or the summary's start for a list."""
    if not searched:
        return "left(coalesce(cs.summary, fw.summary), 400)"
    params["headline_options"] = _HEADLINE_OPTIONS
    return (
        f"ts_headline('{CONFIG}', CASE WHEN p.kind = 'framework' THEN concat_ws(' ', fw.summary, fw.reusable_core) "
        "ELSE concat_ws(' ', cs.summary, cs.problem, cs.approach, cs.outcomes) END, query.qhl, %(headline_options)s)"
    )


def snippet_html(text: str | None) -> SafeString:
    """A snippet as HTML: markdown marks dropped, the text escaped, and only the highlights made <mark>."""
    text = _MARKDOWN_RE.sub("", text or "").strip()
    html = escape(text).replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own marks are HTML
