"""How django-allauth signs council staff up and in: council email domains, joining a council, curators' two-factor rule."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from councils.disposable_domains import is_disposable_domain
from councils.services import council_for_email, email_domain, member_join_council
from portal.access import curator_needs_two_factor
from portal.client_address import client_ip

DISPOSABLE_MESSAGE = (
    "Enter your work email address at your council. Addresses from disposable email services cannot be used."
)
UNKNOWN_DOMAIN_MESSAGE = (
    "Enter your work email address at your council. No council on the portal uses addresses ending "
    "‘@{domain}’. If your council is missing, ask the curators to add it."
)


def validate_council_email(email: str) -> None:
    """Refuse addresses that are not on a known council's domain, naming the reason."""
    domain = email_domain(email)
    if is_disposable_domain(domain):
        raise ValidationError(DISPOSABLE_MESSAGE, code="disposable_email")
    if council_for_email(email) is None:
        raise ValidationError(UNKNOWN_DOMAIN_MESSAGE.format(domain=domain), code="unknown_council_domain")


class CouncilAccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            member_join_council(user=email_address.user, email=email_address.email)
        return confirmed

    def get_login_redirect_url(self, request) -> str:
        # Straight to setting up an authenticator app, rather than finding out at the review queue.
        if curator_needs_two_factor(request.user):
            return reverse("mfa_activate_totp")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        # Rate limits count per client, not per proxy (portal/client_address.py).
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context.setdefault("site_name", settings.SITE_NAME)
        super().send_mail(template_prefix, email, context)
