from django.urls import include, path

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

# What curators and reviewers do to one item, under its address.
review_routes = [
    path("", review.review_detail, name="review_detail"),
    path("publish/", review.review_publish, name="review_publish"),
    path("return/", review.review_return, name="review_return"),
    path("frameworks/", review.review_frameworks, name="review_frameworks"),
    path("frameworks/link/", review.review_link, name="review_link"),
]
curate_case_study_routes = [
    path("", curate.case_study_curate, name="curate_case_study"),
    path("link/", curate.case_study_link, name="curate_link"),
    path("unlink/<slug:framework_slug>/", curate.case_study_unlink, name="curate_unlink"),
    path("generalise/", curate.case_study_generalise, name="curate_generalise"),
]
curate_framework_routes = [
    path("", curate_frameworks.framework_preview, name="curate_framework"),
    path("edit/", curate_frameworks.framework_edit, name="curate_framework_edit"),
    path("publish/", curate_frameworks.framework_publish_view, name="curate_framework_publish"),
    path("archive/", curate_frameworks.framework_archive_view, name="curate_framework_archive"),
    path("history/", curate_frameworks.framework_history, name="curate_framework_history"),
    path(
        "history/<int:history_id>/restore/", curate_frameworks.framework_restore_view, name="curate_framework_restore"
    ),
]
curate_tag_routes = [
    path("", curate.tag_curate, name="curate_tag"),
    path("rename/", curate.tag_rename_view, name="curate_tag_rename"),
    path("merge/", curate.tag_merge_view, name="curate_tag_merge"),
]
# Everything under /curate/ (every one of them behind @curator_required: tests/test_access.py walks them).
curator_routes = [
    path("", curate.curate_home, name="curate_home"),
    path("import/", uploads.upload_start, name="curate_import"),
    path("import/confirm/", uploads.upload_confirm, name="curate_import_confirm"),
    path("unlinked/", curate.unlinked_list, name="curate_unlinked"),
    path("case-studies/<slug:slug>/", include(curate_case_study_routes)),
    path("frameworks/", curate_frameworks.framework_list, name="curate_frameworks"),
    path("frameworks/new/", curate_frameworks.framework_new, name="curate_framework_new"),
    path("frameworks/<slug:slug>/", include(curate_framework_routes)),
    path("tags/", curate.tag_list, name="curate_tags"),
    path("tags/<slug:slug>/", include(curate_tag_routes)),
    path("freshness/", curate.freshness_queue, name="curate_freshness"),
    path("freshness/<str:kind>/<slug:slug>/reviewed/", curate.mark_reviewed, name="curate_mark_reviewed"),
    path("audit/", curate.audit_log, name="curate_audit"),
]

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
    path("review/<slug:slug>/", include(review_routes)),
    path("search/", search_views.search, name="search"),
    path("search/download.<str:file_format>", downloads.search_download, name="search_download"),
    path("case-studies/download.<str:file_format>", downloads.case_study_list_download, name="case_study_download"),
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
    path("curate/", include(curator_routes)),
]
