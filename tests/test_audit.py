"""The audit log: services and allauth's signals record who did what, and curators read it at /curate/audit/."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse
from taggit.models import Tag

from councils.factories import MemberProfileFactory, UserFactory
from councils.models import MemberProfile
from portal.models import AuditEntry
from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy
from practices.services.curation import framework_unlink, tag_merge, tag_rename
from practices.services.editing import case_study_restore
from practices.services.workflow import WorkflowError, case_study_publish, case_study_return, case_study_submit

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action
PASSWORD = "correct horse battery staple"


def entries(action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


@pytest.fixture
def verified(council):
    profile = MemberProfileFactory(council=council, user__email="sam@bristol-city-council.gov.uk")
    EmailAddress.objects.create(user=profile.user, email=profile.user.email, verified=True, primary=True)
    return profile.user


@pytest.fixture
def submitted(council, silo, officer):
    case_study = CaseStudyFactory(
        lead_council=council, primary_silo=silo, created_by=officer, status=CaseStudy.Status.DRAFT, published_at=None
    )
    return case_study_submit(case_study=case_study, by=officer)


class TestSignIns:
    def test_a_sign_in_is_recorded_with_the_client_address(self, client, verified, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        client.post(
            "/accounts/login/",
            {"login": verified.email, "password": PASSWORD},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
        [entry] = entries(Action.SIGNED_IN)
        assert (entry.actor, entry.actor_label, entry.ip) == (verified, verified.email, "198.51.100.7")

    def test_a_failed_sign_in_records_the_address_typed(self, client, verified):
        client.post("/accounts/login/", {"login": verified.email, "password": "wrong"})
        [entry] = entries(Action.SIGN_IN_FAILED)
        assert entry.target == verified.email
        assert entry.actor is None
        assert entries(Action.SIGNED_IN) == []


class TestTwoFactorChanges:
    def test_turning_an_authenticator_app_on_and_off_is_recorded(
        self, client, verified, settings, django_capture_on_commit_callbacks
    ):
        settings.MFA_TOTP_TOLERANCE = 1  # a code made just before a 30-second boundary still counts after it
        client.force_login(verified)
        client.post(client.get("/accounts/2fa/totp/activate/")["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
        secret = page.context["form"].secret
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        # allauth reports 2FA changes once the change is committed.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/2fa/totp/activate/", {"code": code})
        assert response.status_code == 302, response.content.decode()[-3000:]
        [on] = entries(Action.TWO_FACTOR_ON)
        assert (on.actor, on.detail) == (verified, "authenticator app")

        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/2fa/totp/deactivate/")
        [off] = entries(Action.TWO_FACTOR_OFF)
        assert off.actor == verified


class TestRoleChanges:
    def test_a_member_who_starts_writing_is_recorded(self, client, colleague):
        client.force_login(colleague)
        client.post(
            reverse("councils:profile"), {"full_name": "Sam Jones", "job_title": "", "silo": "", "writes": "officer"}
        )
        [entry] = entries(Action.ROLE_CHANGED)
        assert (entry.actor, entry.target, entry.detail) == (colleague, colleague.email, "Member → Officer")

    def test_saving_a_profile_without_a_new_role_records_nothing(self, client, officer):
        client.force_login(officer)
        client.post(
            reverse("councils:profile"), {"full_name": "Jo", "job_title": "Lead", "silo": "", "writes": "officer"}
        )
        assert entries(Action.ROLE_CHANGED) == []

    def test_a_role_given_in_the_admin_is_recorded(self, client, colleague):
        admin_user = UserFactory(is_staff=True, is_superuser=True)
        TOTP.activate(admin_user, "JBSWY3DPEHPK3PXP")
        client.force_login(admin_user)
        profile = colleague.profile
        url = reverse("admin:councils_memberprofile_change", args=[profile.pk])
        form = client.get(url).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data |= {"role": MemberProfile.Role.CURATOR, "user": profile.user_id, "council": profile.council_id}
        data = {key: ("on" if value is True else value) for key, value in data.items() if value is not False}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        [entry] = entries(Action.ROLE_CHANGED)
        assert (entry.actor, entry.detail) == (admin_user, "Member → Curator")


class TestWorkflow:
    def test_publishing_and_returning_are_recorded(self, submitted, curator, officer):
        case_study_return(case_study=submitted, by=curator, comment="Add the cost of the trackers.")
        [returned] = entries(Action.RETURNED)
        assert (returned.actor, returned.target, returned.detail) == (
            curator,
            submitted.title,
            "Add the cost of the trackers.",
        )
        case_study_submit(case_study=submitted, by=officer)
        case_study_publish(case_study=submitted, by=curator)
        [published] = entries(Action.PUBLISHED)
        assert published.target_url == submitted.get_absolute_url()

    def test_a_refused_change_leaves_no_entry(self, council, silo, curator):
        draft = CaseStudyFactory(
            lead_council=council, primary_silo=silo, status=CaseStudy.Status.DRAFT, published_at=None
        )
        with pytest.raises(WorkflowError):
            case_study_publish(case_study=draft, by=curator)
        assert entries(Action.PUBLISHED) == []

    def test_a_restore_is_recorded(self, council, silo, curator, officer):
        case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, outcomes="Calls fell by 40%.")
        case_study.outcomes = "Calls fell by 55%."
        case_study.version += 1
        case_study.save()
        earlier = case_study.history.order_by("history_date").first()
        case_study_restore(case_study=case_study, history_id=earlier.history_id, by=curator, expected_version=2)
        [entry] = entries(Action.RESTORED)
        assert entry.actor == curator
        assert entry.detail.endswith("changed: outcomes")


class TestCuration:
    def test_tag_merge_and_rename_are_recorded(self, curator):
        CaseStudyFactory(tags=["gps tracking"])
        CaseStudyFactory(tags=["gps"])
        tag_merge(sources=[Tag.objects.get(name="gps tracking")], target=Tag.objects.get(name="gps"), actor=curator)
        [merged] = entries(Action.TAG_MERGED)
        assert merged.detail.startswith("gps tracking → gps")
        tag_rename(tag=Tag.objects.get(name="gps"), name="Vehicle tracking", actor=curator)
        [renamed] = entries(Action.TAG_RENAMED)
        assert (renamed.detail, renamed.target_url) == ("gps → Vehicle tracking", "/tags/vehicle-tracking/")

    def test_unlinking_and_admin_deletions_are_recorded(self, client, curator):
        link = FrameworkLinkFactory()
        framework_unlink(case_study=link.case_study, framework=link.framework, actor=curator)
        admin_user = UserFactory(is_staff=True, is_superuser=True)
        TOTP.activate(admin_user, "JBSWY3DPEHPK3PXP")
        client.force_login(admin_user)
        framework = FrameworkFactory(title="Assisted digital booking")
        client.post(reverse("admin:practices_framework_delete", args=[framework.pk]), {"post": "yes"})
        deleted = entries(Action.DELETED)
        assert len(deleted) == 2
        assert any("Assisted digital booking" in entry.target and entry.actor == admin_user for entry in deleted)
        assert any(entry.target.startswith("Link from") and entry.actor == curator for entry in deleted)


class TestAuditPage:
    def test_curators_read_the_log_newest_first_a_page_at_a_time(self, client, curator, django_assert_max_num_queries):
        people = [MemberProfileFactory().user for _ in range(3)]
        for n in range(60):
            AuditEntry.objects.create(
                action=Action.SIGNED_IN, actor=people[n % 3], actor_label=f"person{n}@example.gov.uk"
            )
        AuditEntry.objects.create(action=Action.TAG_RENAMED, actor_label="last@example.gov.uk", target="GPS")
        client.force_login(curator)
        with django_assert_max_num_queries(10):
            first = client.get("/curate/audit/")
        html = first.content.decode()
        assert "Audit log" in html
        assert html.index("last@example.gov.uk") < html.index("person59@example.gov.uk"), "newest first"
        assert "person9@example.gov.uk" not in html, "the oldest are on the next page"
        second = client.get("/curate/audit/?page=2").content.decode()
        assert "person9@example.gov.uk" in second

    def test_the_log_can_show_one_kind_of_event(self, client, curator):
        AuditEntry.objects.create(action=Action.SIGNED_IN, actor_label="in@example.gov.uk")
        AuditEntry.objects.create(action=Action.PUBLISHED, actor_label="pub@example.gov.uk", target="Fleet tracking")
        client.force_login(curator)
        html = client.get("/curate/audit/", {"action": "published"}).content.decode()
        assert "Fleet tracking" in html and "in@example.gov.uk" not in html
        # An unknown kind shows everything rather than failing.
        everything = client.get("/curate/audit/", {"action": "no-such-kind"})
        assert everything.status_code == 200
        assert "in@example.gov.uk" in everything.content.decode()
