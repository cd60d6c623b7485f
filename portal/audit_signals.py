"""Audit log entries from signals, the libraries' own way of reporting: sign-ins, failed sign-ins, 2FA changes."""

from allauth.account.signals import user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from portal.audit import Action, audit_record


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def _signed_in(sender, request, user, **kwargs):
    audit_record(action=Action.SIGNED_IN, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django hides password-like values; the address typed is kept to spot one account being tried.
    typed = str(credentials.get("email") or credentials.get("username") or "")
    audit_record(action=Action.SIGN_IN_FAILED, actor_label=typed, target=typed, request=request)


def _kind(authenticator) -> str:
    return "recovery codes" if authenticator.type == Authenticator.Type.RECOVERY_CODES else "authenticator app"


@receiver(authenticator_added, dispatch_uid="audit_two_factor_on")
def _two_factor_on(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return  # made together with the authenticator app: one entry says it
    audit_record(action=Action.TWO_FACTOR_ON, actor=user, detail=_kind(authenticator), request=request)


@receiver(authenticator_removed, dispatch_uid="audit_two_factor_off")
def _two_factor_off(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return  # removed together with the authenticator app: one entry says it
    audit_record(action=Action.TWO_FACTOR_OFF, actor=user, detail=_kind(authenticator), request=request)


@receiver(authenticator_reset, dispatch_uid="audit_recovery_codes")
def _recovery_codes(sender, request, user, authenticator, **kwargs):
    audit_record(action=Action.RECOVERY_CODES, actor=user, detail="new recovery codes", request=request)
