from django.urls import path

from councils import views

app_name = "councils"

urlpatterns = [
    path("councils/", views.council_list, name="council_list"),
    path("councils/<slug:slug>/", views.council_detail, name="council_detail"),
    path("silos/", views.silo_list, name="silo_list"),
    path("silos/<slug:slug>/", views.silo_detail, name="silo_detail"),
    path("accounts/profile/", views.profile, name="profile"),
]
