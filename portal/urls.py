from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from api import web as api_web
from portal import views
from practices.sitemaps import SITEMAPS, sitemap_index

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

# admin.site is portal.access.TwoFactorAdminSite: the portal's own sign-in, then a second factor.
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("accounts/api-tokens/", api_web.token_list, name="api_tokens"),
    path("accounts/api-tokens/new/", api_web.token_create, name="api_token_create"),
    path("accounts/api-tokens/<int:token_id>/revoke/", api_web.token_revoke, name="api_token_revoke"),
    path("accounts/", include("allauth.urls")),
    path("", include("practices.urls")),
    path("", include("councils.urls")),
]
