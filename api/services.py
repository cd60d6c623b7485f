"""Writes for API tokens: create one (returning the secret once) and revoke one."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken

TOKEN_PREFIX = "cpx_"  # noqa: S105 - a label, not a secret
MAX_ACTIVE_TOKENS = 10


class ApiTokenError(Exception):
    """A token could not be made or changed; the message says why."""


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for user, and the token itself (not kept anywhere: show it once)."""
    name = " ".join(name.split())
    if not name:
        raise ApiTokenError("Enter a name for the token.")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApiTokenError(f"You can have up to {MAX_ACTIVE_TOKENS} tokens. Revoke one you no longer use first.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], key_hash=api_token_hash(raw), prefix=raw[:12])
    return token, raw


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise ApiTokenError("There is no such token on your account.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
