"""Writes: every change to practices goes through a service here, in one
transaction, with history recorded and the search index kept up to date."""

from practices.services.imports import ImportRejected, ImportResult, practices_import
from practices.services.search_index import search_index_update
from practices.services.workflow import (
    CASE_STUDY_TRANSITIONS,
    WorkflowError,
    case_study_archive,
    case_study_publish,
    case_study_return,
    case_study_submit,
    case_study_transition,
)

__all__ = [
    "CASE_STUDY_TRANSITIONS",
    "ImportRejected",
    "ImportResult",
    "WorkflowError",
    "case_study_archive",
    "case_study_publish",
    "case_study_return",
    "case_study_submit",
    "case_study_transition",
    "practices_import",
    "search_index_update",
]
