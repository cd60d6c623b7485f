from django.urls import path

from practices import feeds
from practices.views import (
    browse,
    curate,
    curate_frameworks,
    downloads,
    follow,
    insights,
    places,
    review,
    submit,
    uploads,
)
from practices.views import search as search_views

app_name = "practices"

urlpatterns = [
    path("case-studies/", browse.case_study_list, name="case_study_list"),
    path("case-studies/<slug:slug>/", browse.case_study_detail, name="case_study_detail"),
    path("frameworks/", browse.framework_list, name="framework_list"),
    path("frameworks/<slug:slug>/", browse.framework_detail, name="framework_detail"),
    path("tags/<slug:slug>/", browse.tag_detail, name="tag_detail"),
    path("councils/", places.council_list, name="council_list"),
    path("councils/<slug:slug>/", places.council_detail, name="council_detail"),
    path("silos/", places.silo_list, name="silo_list"),
    path("silos/<slug:slug>/", places.silo_detail, name="silo_detail"),
    # Submission, editing, history, reuse and enquiries
    path("submit/", submit.submit_home, name="submit_home"),
    path("submit/new/", submit.case_study_new, name="submit_new"),
    path("submit/<slug:slug>/preview/", submit.case_study_preview, name="submit_preview"),
    path("submit/<slug:slug>/send/", submit.case_study_send_for_review, name="submit_send"),
    path("case-studies/<slug:slug>/edit/", submit.case_study_edit, name="case_study_edit"),
    path("case-studies/<slug:slug>/history/", submit.case_study_history, name="case_study_history"),
    path(
        "case-studies/<slug:slug>/history/<int:history_id>/restore/",
        review.history_restore,
        name="case_study_restore",
    ),
    path("case-studies/<slug:slug>/reuse/", submit.case_study_reuse, name="case_study_reuse"),
    path("case-studies/<slug:slug>/contact/", submit.case_study_contact, name="case_study_contact"),
    path("case-studies/<slug:slug>/visit/", submit.case_study_visit, name="case_study_visit"),
    path("frameworks/<slug:slug>/reuse/", submit.framework_reuse, name="framework_reuse"),
    # Review
    path("review/", review.review_queue, name="review_queue"),
    path("review/<slug:slug>/", review.review_detail, name="review_detail"),
    path("review/<slug:slug>/publish/", review.review_publish, name="review_publish"),
    path("review/<slug:slug>/return/", review.review_return, name="review_return"),
    path("review/<slug:slug>/frameworks/", review.review_frameworks, name="review_frameworks"),
    path("review/<slug:slug>/frameworks/link/", review.review_link, name="review_link"),
    path("search/", search_views.search, name="search"),
    path("search/download.<str:file_format>", downloads.search_download, name="search_download"),
    path("case-studies/download.<str:file_format>", downloads.case_study_list_download, name="case_study_download"),
    path("curate/import/", uploads.upload_start, name="curate_import"),
    path("curate/import/confirm/", uploads.upload_confirm, name="curate_import_confirm"),
    # Discovery and curation
    path("insights/", insights.insights, name="insights"),
    path("insights/data.csv", insights.insights_csv, name="insights_csv"),
    path("feeds/case-studies/", feeds.LatestCaseStudiesFeed(), name="feed_case_studies"),
    path("feeds/councils/<slug:slug>/", feeds.CouncilFeed(), name="feed_council"),
    path("feeds/silos/<slug:slug>/", feeds.SiloFeed(), name="feed_silo"),
    path("feeds/tags/<slug:slug>/", feeds.TagFeed(), name="feed_tag"),
    path("feeds/frameworks/<slug:slug>/", feeds.FrameworkFeed(), name="feed_framework"),
    path("follows/", follow.follow_list, name="follow_list"),
    path("follow/<str:kind>/<slug:slug>/", follow.follow, name="follow"),
    path("unfollow/<str:kind>/<slug:slug>/", follow.unfollow, name="unfollow"),
    path("curate/", curate.curate_home, name="curate_home"),
    path("curate/unlinked/", curate.unlinked_list, name="curate_unlinked"),
    path("curate/case-studies/<slug:slug>/", curate.case_study_curate, name="curate_case_study"),
    path("curate/case-studies/<slug:slug>/link/", curate.case_study_link, name="curate_link"),
    path(
        "curate/case-studies/<slug:slug>/unlink/<slug:framework_slug>/",
        curate.case_study_unlink,
        name="curate_unlink",
    ),
    path("curate/case-studies/<slug:slug>/generalise/", curate.case_study_generalise, name="curate_generalise"),
    path("curate/frameworks/", curate_frameworks.framework_list, name="curate_frameworks"),
    path("curate/frameworks/new/", curate_frameworks.framework_new, name="curate_framework_new"),
    path("curate/frameworks/<slug:slug>/", curate_frameworks.framework_preview, name="curate_framework"),
    path("curate/frameworks/<slug:slug>/edit/", curate_frameworks.framework_edit, name="curate_framework_edit"),
    path(
        "curate/frameworks/<slug:slug>/publish/",
        curate_frameworks.framework_publish_view,
        name="curate_framework_publish",
    ),
    path(
        "curate/frameworks/<slug:slug>/archive/",
        curate_frameworks.framework_archive_view,
        name="curate_framework_archive",
    ),
    path(
        "curate/frameworks/<slug:slug>/history/", curate_frameworks.framework_history, name="curate_framework_history"
    ),
    path(
        "curate/frameworks/<slug:slug>/history/<int:history_id>/restore/",
        curate_frameworks.framework_restore_view,
        name="curate_framework_restore",
    ),
    path("curate/tags/", curate.tag_list, name="curate_tags"),
    path("curate/tags/<slug:slug>/", curate.tag_curate, name="curate_tag"),
    path("curate/tags/<slug:slug>/rename/", curate.tag_rename_view, name="curate_tag_rename"),
    path("curate/tags/<slug:slug>/merge/", curate.tag_merge_view, name="curate_tag_merge"),
    path("curate/freshness/", curate.freshness_queue, name="curate_freshness"),
    path("curate/audit/", curate.audit_log, name="curate_audit"),
    path("curate/freshness/<str:kind>/<slug:slug>/reviewed/", curate.mark_reviewed, name="curate_mark_reviewed"),
]
