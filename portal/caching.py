"""Whole-page caching for visitors who are not signed in.

Browse pages are the same for every visitor, so their HTML is cached for a
short time; signed-in members (who see contacts and actions) always get a fresh
page. Cached pages may be up to VISITOR_CACHE_SECONDS old after an edit.
"""

from functools import wraps

from django.conf import settings
from django.views.decorators.cache import cache_page


def cache_for_visitors(view):
    cached_view = cache_page(settings.VISITOR_CACHE_SECONDS, cache="pages", key_prefix="visitor")(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or request.user.is_authenticated or not settings.VISITOR_CACHE_SECONDS:
            return view(request, *args, **kwargs)
        response = cached_view(request, *args, **kwargs)
        # The copy is ours to reuse, not the browser's: a visitor who signs in
        # must not be shown their browser's cached visitor page.
        response.headers["Cache-Control"] = "no-cache"
        response.headers.pop("Expires", None)
        return response

    return wrapper
