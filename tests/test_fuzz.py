"""Property-based tests: every public page and every form answers hostile input without a 500, and
nothing anyone submits comes back as script.

`make test` runs each target at a modest size (the "default" Hypothesis profile, fixed examples);
`make fuzz` runs at least 1,000 fresh inputs per target and prints a count per target.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from taggit.models import Tag

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile
from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.forms.submission import CaseStudyForm
from practices.models import CaseStudy
from practices.selectors.search import FACETS
from practices.services.editing import case_study_create
from practices.services.workflow import case_study_publish, case_study_submit
from tests.fuzzing import check_answer, form_on, get_raw, post_raw, send, tally, values

pytestmark = pytest.mark.django_db

SEARCH_PARAMS = ["q", "sort", "page", "exact", *(facet.key for facet in FACETS)]
JUNK_PARAMS = ["next", "utm_source", "format", "", "q[]", "page\x00"]


@pytest.fixture
def world(db, settings, monkeypatch):
    """A small portal: two councils, their people, published, draft and submitted work, a curator with 2FA."""
    settings.ACCOUNT_RATE_LIMITS = False  # limits answer 429 before the form is read; the form is under test
    from practices.services import enquiries

    # Limits answer 429 before the message is read; far-off limits keep the message under test.
    day = enquiries.LIMITS[-1][0]
    monkeypatch.setattr(enquiries, "LIMITS", ((day, 10**9, "a day"),))
    bristol = CouncilFactory(name="Bristol City Council", slug="bristol-city-council", email_domains=["bristol.gov.uk"])
    leeds = CouncilFactory(name="Leeds City Council", slug="leeds-city-council", email_domains=["leeds.gov.uk"])
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    ServiceSiloFactory(name="Waste and recycling", slug="waste")
    officer = MemberProfileFactory(council=bristol, role=MemberProfile.Role.OFFICER).user
    member = MemberProfileFactory(council=leeds, role=MemberProfile.Role.OFFICER).user
    curator = MemberProfileFactory(council=leeds, role=MemberProfile.Role.CURATOR).user
    TOTP.activate(curator, generate_totp_secret())
    framework = FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    framework.silos.add(transport)
    framework.tags.add("vehicle tracking")
    published = CaseStudyFactory(
        lead_council=bristol,
        primary_silo=transport,
        slug="bus-arrivals",
        contact_email="transport@bristol.gov.uk",
        hosts_visits=True,
        tags=["vehicle tracking", "real-time information"],
    )
    draft = CaseStudyFactory(
        lead_council=bristol, primary_silo=transport, slug="school-bus-draft", status="draft", published_at=None
    )
    submitted = CaseStudyFactory(
        lead_council=bristol, primary_silo=transport, slug="gritter-routes", status="submitted", published_at=None
    )
    return {
        "bristol": bristol,
        "transport": transport,
        "framework": framework,
        "published": published,
        "draft": draft,
        "submitted": submitted,
        "people": {"visitor": None, "officer": officer, "member": member, "curator": curator},
    }


@contextmanager
def rolled_back():
    """Each input starts from the same portal, so a failure found once can be replayed and shrunk."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def client_as(world, who: str) -> Client:
    client = Client()
    user = world["people"][who]
    if user is not None:
        client.force_login(user)
    return client


# --- Every public GET, with all its parameters ----------------------------------------------

PUBLIC_PAGES = {
    "home": ("/", []),
    "case study list": ("/case-studies/", [*SEARCH_PARAMS, "cursor"]),
    "search": ("/search/", SEARCH_PARAMS),
    "framework list": ("/frameworks/", ["page"]),
    "case study": ("/case-studies/bus-arrivals/", []),
    "framework": ("/frameworks/vehicle-tracking/", []),
    "tag": ("/tags/vehicle-tracking/", []),
    "council list": ("/councils/", []),
    "council": ("/councils/bristol-city-council/", ["page"]),
    "silo list": ("/silos/", []),
    "silo": ("/silos/transport/", []),
    "insights": ("/insights/", []),
    "insights table": ("/insights/data.csv", ["table"]),
    "silo feed": ("/feeds/silos/transport/", []),
    "tag feed": ("/feeds/tags/vehicle-tracking/", []),
    "framework feed": ("/feeds/frameworks/vehicle-tracking/", []),
    "accessibility": ("/accessibility/", []),
    "health": ("/healthz", []),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_answer_any_query_string(world, name):
    path, params = PUBLIC_PAGES[name]
    clients = {who: client_as(world, who) for who in ("visitor", "member")}
    names = st.sampled_from(params + JUNK_PARAMS) if params else st.sampled_from(JUNK_PARAMS)

    @given(who=st.sampled_from(sorted(clients)), pairs=st.lists(st.tuples(names, values), max_size=6))
    def probe(who, pairs):
        response = send(f"GET {name}", lambda: get_raw(clients[who], path, pairs))
        check_answer(response, f"GET {path} as {who}")

    probe()


PATH_PATTERNS = ["/case-studies/{}/", "/frameworks/{}/", "/tags/{}/", "/councils/{}/", "/silos/{}/", "/feeds/tags/{}/"]


def test_detail_pages_answer_any_path(world):
    from urllib.parse import quote_from_bytes

    client = client_as(world, "visitor")

    @given(pattern=st.sampled_from(PATH_PATTERNS), slug=values.filter(lambda v: 0 < len(v) < 4000))
    def probe(pattern, slug):
        path = pattern.format(quote_from_bytes(slug, safe=""))
        response = send("GET detail paths", lambda: client.get(path))
        check_answer(response, f"GET {path!r}")

    probe()


# --- Every form door ------------------------------------------------------------------------


def _valid_case_study(world) -> dict[str, bytes]:
    return {
        "title": b"Live arrival times for school buses",
        "primary_silo": str(world["transport"].pk).encode(),
        "summary": b"Parents see where the school bus is, so children wait indoors.",
    }


FORMS = {
    # name: (who, page with the form, where it posts, answers that make a valid baseline)
    "sign-in": ("visitor", "/accounts/login/", None, lambda w: {"login": b"someone@bristol.gov.uk"}),
    "sign-up": ("visitor", "/accounts/signup/", None, lambda w: {"email": b"new.officer@bristol.gov.uk"}),
    "password reset": ("visitor", "/accounts/password/reset/", None, lambda w: {"email": b"x@bristol.gov.uk"}),
    "profile": ("officer", "/accounts/profile/", None, lambda w: {}),
    "submission": ("officer", "/submit/new/", None, _valid_case_study),
    "edit": ("officer", "/case-studies/school-bus-draft/edit/", None, lambda w: {}),
    "contact": ("member", "/case-studies/bus-arrivals/contact/", None, lambda w: {"message": b"How did you fund it?"}),
    "visit request": ("member", "/case-studies/bus-arrivals/visit/", None, lambda w: {"message": b"May we visit?"}),
    "reuse": (
        "member",
        "/case-studies/bus-arrivals/reuse/",
        None,
        lambda w: {"status": b"live", "silo": str(w["transport"].pk).encode()},
    ),
    "review return": ("curator", "/review/gritter-routes/", "/review/gritter-routes/return/", lambda w: {}),
    "curate link": (
        "curator",
        "/curate/case-studies/bus-arrivals/",
        "/curate/case-studies/bus-arrivals/link/",
        lambda w: {"framework": b"vehicle-tracking"},
    ),
    "curate generalise": ("curator", "/curate/case-studies/bus-arrivals/generalise/", None, lambda w: {}),
    "tag rename": ("curator", "/curate/tags/{tag}/", "/curate/tags/{tag}/rename/", lambda w: {}),
    "tag merge": (
        "curator",
        "/curate/tags/{tag}/",
        "/curate/tags/{tag}/merge/",
        lambda w: {"merge-target": b"vehicle tracking"},
    ),
}

# Pages to look at after a form was accepted: where submitted text is shown again.
SHOWN_AGAIN = {
    "submission": lambda cs: [f"/submit/{cs.slug}/preview/", cs.get_absolute_url(), f"/case-studies/{cs.slug}/edit/"],
    "edit": lambda cs: [f"/submit/{cs.slug}/preview/", cs.get_absolute_url(), f"/case-studies/{cs.slug}/history/"],
}


def _fresh_tag(world) -> str:
    """A tag for rename and merge to change (rolled back after each input)."""
    tag = Tag.objects.create(name="fuzz tag")
    world["published"].tags.add(tag)
    return tag.slug


@pytest.mark.parametrize("name", FORMS)
def test_forms_answer_any_input_and_never_echo_script(world, name):
    who, page, action, baseline = FORMS[name]
    client = client_as(world, who)

    # Draws never depend on what the page shows (it changes as inputs are accepted), so Hypothesis
    # can replay and shrink: indexes pick fields and choices, whatever the form holds at the time.
    change = st.tuples(st.integers(0, 999), st.booleans(), st.integers(0, 999), values)
    extras = st.lists(st.tuples(st.sampled_from(["", "id", "status", "slug", "version"]), values), max_size=2)

    @given(changes=st.lists(change, max_size=6), extra=extras, button=st.integers(0, 999))
    def probe(changes, extra, button):
        with rolled_back():
            post_once(changes, extra, button)

    def post_once(changes, extra, button):
        tag = _fresh_tag(world) if "{tag}" in page else ""
        form_page, post_to = page.format(tag=tag), (action or page).format(tag=tag)
        shown = client.get(form_page)
        check_answer(shown, f"GET {form_page}")
        form = form_on(shown.content.decode(), post_to, page=form_page)
        answers = {field: [v.encode() for v in vals] for field, vals in form["fields"].items()}
        for field, value in baseline(world).items():
            answers[field] = [value]
        fields = sorted(answers)
        # Change some answers: to hostile values, or to one of the choices the form offers.
        for field_index, use_choice, choice_index, value in changes:
            field = fields[field_index % len(fields)] if fields else "x"
            choices = [c.encode() for c in form["choices"].get(field, [])]
            answers[field] = [choices[choice_index % len(choices)]] if use_choice and choices else [value]
        pairs = [(field, value) for field, vals in answers.items() for value in vals] + extra
        options = [o.encode() for o in form["choices"].get("action", [])]
        if options:
            pairs.append(("action", (options + [b"", b"\xff"])[button % (len(options) + 2)]))
        response = send(f"POST {name}", lambda: post_raw(client, post_to, pairs))
        check_answer(response, f"POST {post_to}")
        if response.status_code == 302 and name in SHOWN_AGAIN:
            case_study = CaseStudy.objects.order_by("-updated_at").first()
            for url in [response["Location"], *SHOWN_AGAIN[name](case_study)]:
                check_answer(client.get(url), f"GET {url} after POST {name}")

    probe()


# --- Accepted write-ups, once published, are safe on every public page -----------------------

CONTENT_FIELDS = ["title", "summary", "problem", "approach", "outcomes", "lessons", "things_to_avoid", "tags"]


def test_published_write_ups_never_run_as_script_anywhere(world):
    officer, curator = world["people"]["officer"], world["people"]["curator"]
    visitor, member = Client(), client_as(world, "member")
    complete = {
        "title": "Live arrival times for school buses",
        "summary": "Parents see where the school bus is.",
        "primary_silo": str(world["transport"].pk),
        "problem": "Children waited in the rain.",
        "approach": "Fitted trackers.",
        "outcomes": "Calls fell from 300 to 90 a month.",
        "start_year": "2021",
        "contact_email": "transport@bristol.gov.uk",
        "tags": "vehicle tracking",
    }
    text = values.map(lambda v: v.decode("utf-8", "replace")).filter(lambda s: len(s) < 20_000)

    @given(changes=st.dictionaries(st.sampled_from(CONTENT_FIELDS), text, min_size=1, max_size=4))
    def probe(changes):
        with rolled_back():
            publish_and_look(changes)

    def publish_and_look(changes):
        form = CaseStudyForm({**complete, **changes}, for_review=True)
        if not form.is_valid():
            tally("published write-ups (refused by the form)", type("R", (), {"status_code": 400})())
            return
        case_study = case_study_create(council=world["bristol"], by=officer, content=form.content())
        case_study_submit(case_study=case_study, by=officer)
        case_study_publish(case_study=case_study, by=curator)
        pages = [
            case_study.get_absolute_url(),
            "/case-studies/",
            "/search/?q=" + "+".join(case_study.title.split()[:3]),
            "/",
            "/silos/transport/",
            "/feeds/silos/transport/",
            *(f"/tags/{tag.slug}/" for tag in case_study.tags.all()),
            *(f"/feeds/tags/{tag.slug}/" for tag in case_study.tags.all()),
        ]
        for url in pages:
            for client in (visitor, member):
                response = send("published write-ups", lambda client=client, url=url: client.get(url))
                check_answer(response, f"GET {url}")

    probe()
