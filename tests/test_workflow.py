"""The case study workflow: draft → submitted → returned/published → archived."""

import pytest

from practices.factories import CaseStudyFactory
from practices.models import CaseStudy
from practices.services import (
    CASE_STUDY_TRANSITIONS,
    WorkflowError,
    case_study_archive,
    case_study_publish,
    case_study_return,
    case_study_submit,
    case_study_transition,
)

pytestmark = pytest.mark.django_db
Status = CaseStudy.Status


def draft(**kwargs):
    return CaseStudyFactory(status=Status.DRAFT, published_at=None, **kwargs)


def test_full_journey_records_each_step_in_history(officer, curator):
    case_study = draft()
    case_study = case_study_submit(case_study=case_study, by=officer)
    case_study = case_study_return(case_study=case_study, by=curator, comment="Add figures to the outcomes.")
    assert case_study.status == Status.RETURNED
    case_study = case_study_submit(case_study=case_study, by=officer)
    case_study = case_study_publish(case_study=case_study, by=curator)
    assert case_study.status == Status.PUBLISHED
    assert case_study.published_at is not None
    assert case_study.review_by is not None, "publishing sets a review date a year ahead"
    history = list(case_study.history.order_by("history_date"))
    assert [h.status for h in history] == ["draft", "submitted", "returned", "submitted", "published"]
    assert history[2].history_change_reason == "Add figures to the outcomes."
    assert history[2].history_user == curator
    assert case_study.version == 5


@pytest.mark.parametrize("start", list(Status.values))
def test_only_listed_transitions_are_allowed(start):
    for target in Status.values:
        case_study = CaseStudyFactory(status=start)
        if target in CASE_STUDY_TRANSITIONS[start]:
            assert case_study_transition(case_study=case_study, to_status=target).status == target
        else:
            with pytest.raises(WorkflowError):
                case_study_transition(case_study=case_study, to_status=target)
            case_study.refresh_from_db()
            assert case_study.status == start, "a refused transition changes nothing"


def test_a_draft_cannot_be_published_without_review():
    with pytest.raises(WorkflowError, match="cannot be moved to published"):
        case_study_publish(case_study=draft())


def test_publishing_needs_a_summary_and_council():
    case_study = CaseStudyFactory(status=Status.SUBMITTED, published_at=None, summary="", lead_council=None)
    with pytest.raises(WorkflowError, match="Add a summary and a lead council"):
        case_study_publish(case_study=case_study)
    case_study.refresh_from_db()
    assert case_study.status == Status.SUBMITTED


def test_returning_needs_a_comment(curator):
    case_study = CaseStudyFactory(status=Status.SUBMITTED, published_at=None)
    with pytest.raises(WorkflowError, match="Say what the author needs to change"):
        case_study_return(case_study=case_study, by=curator, comment="   ")


def test_archived_case_study_can_be_republished_keeping_its_date():
    case_study = CaseStudyFactory()
    first_published = case_study.published_at
    case_study = case_study_archive(case_study=case_study)
    assert case_study.status == Status.ARCHIVED
    case_study = case_study_transition(case_study=case_study, to_status=Status.PUBLISHED)
    assert case_study.published_at == first_published


def test_submitting_needs_what_a_reviewer_needs_whoever_submits(officer):
    """The rule lives in the service, so the web form, the importer and the shell all meet it."""
    case_study = draft(problem="", contact_email="")
    with pytest.raises(WorkflowError, match="describe the problem you set out to solve; enter an email address"):
        case_study_submit(case_study=case_study, by=officer)
    case_study.refresh_from_db()
    assert case_study.status == Status.DRAFT
