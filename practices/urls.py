from django.urls import path

from practices import views

app_name = "practices"

urlpatterns = [
    path("case-studies/", views.case_study_list, name="case_study_list"),
    path("case-studies/<slug:slug>/", views.case_study_detail, name="case_study_detail"),
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/<slug:slug>/", views.framework_detail, name="framework_detail"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
]
