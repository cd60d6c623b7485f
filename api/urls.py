from functools import wraps

from django.urls import path, re_path
from django.views.decorators.http import conditional_page
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import views
from api import web as web_views

app_name = "api"

router = SimpleRouter()
router.register("case-studies", views.CaseStudyViewSet, basename="case-study")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("councils", views.CouncilViewSet, basename="council")
router.register("silos", views.SiloViewSet, basename="silo")
router.register("tags", views.TagViewSet, basename="tag")
router.register("adoptions", views.AdoptionViewSet, basename="adoption")


def _open(view):
    """ETag from the body and Last-Modified from the items, so a client asking again gets 304 when nothing
    changed; and readable by other sites' pages (the site-wide Cross-Origin-Resource-Policy is same-origin)."""
    cached = conditional_page(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = cached(request, *args, **kwargs)
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return wrapper


urlpatterns = [
    path("", _open(views.api_root), name="root"),
    path("search/", _open(views.SearchView.as_view()), name="search"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", web_views.api_docs, name="docs"),
    *[re_path(pattern.pattern.regex.pattern, _open(pattern.callback), name=pattern.name) for pattern in router.urls],
]
