from django.contrib import admin
from django.urls import include, path

from portal import views

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

# admin.site is portal.access.TwoFactorAdminSite: the portal's own sign-in, then a second factor.
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("practices.urls")),
    path("", include("councils.urls")),
]
