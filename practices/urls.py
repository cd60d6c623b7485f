from django.urls import path

from practices.views import browse

app_name = "practices"

urlpatterns = [
    path("case-studies/", browse.case_study_list, name="case_study_list"),
    path("case-studies/<slug:slug>/", browse.case_study_detail, name="case_study_detail"),
    path("frameworks/", browse.framework_list, name="framework_list"),
    path("frameworks/<slug:slug>/", browse.framework_detail, name="framework_detail"),
    path("tags/<slug:slug>/", browse.tag_detail, name="tag_detail"),
]
