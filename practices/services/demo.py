"""Demo content: the JSON files in practices/demo_data/, loaded through the importer."""

import json
from pathlib import Path

from django.db import transaction

from practices.services.imports import SECTIONS, ImportResult, practices_import

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"


def demo_data() -> dict[str, list[dict]]:
    return {section: json.loads((DEMO_DATA / f"{section}.json").read_text(encoding="utf-8")) for section in SECTIONS}


# Accounts for trying the portal locally (`make run`); never created in production by anything else.
DEMO_PASSWORD = "exchange-demo-2025"  # noqa: S105 - documented demo password for local use only
DEMO_ACCOUNTS = (
    # email, full name, role, council slug, job title
    ("curator@example.com", "Casey Curator", "curator", None, "Portal curator"),
    ("officer.bristol@example.com", "Olu Officer", "officer", "bristol-city-council", "Transport innovation officer"),
    ("member.leeds@example.com", "Morgan Member", "member", "leeds-city-council", "Waste services manager"),
)


@transaction.atomic
def demo_accounts_seed(result: ImportResult | None = None) -> ImportResult:
    """The demo curator, Bristol officer and Leeds member, with confirmed email addresses. Idempotent:
    an account that exists is left exactly as it is (including a changed password)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from councils.models import Council, MemberProfile

    result = result or ImportResult()
    users = get_user_model()
    councils = Council.objects.in_bulk([slug for *_, slug, _ in DEMO_ACCOUNTS if slug], field_name="slug")
    for email, name, role, council_slug, job_title in DEMO_ACCOUNTS:
        if users.objects.filter(email__iexact=email).exists():
            result.count("unchanged")
            continue
        user = users.objects.create_user(
            username=email.split("@")[0], email=email, password=DEMO_PASSWORD, first_name=name
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        MemberProfile.objects.create(
            user=user, council=councils.get(council_slug), role=role, job_title=job_title, contactable=True
        )
        result.count("created")
    return result


def demo_seed() -> ImportResult:
    return demo_accounts_seed(practices_import(demo_data()))
