"""Who may open which page: one set of decorators (and a mixin) for every door, the admin included.

Every guarded page asks the same questions in the same order:

1. signed in? otherwise the sign-in page, which comes back here afterwards;
2. allowed? otherwise a 403 page that says why;
3. for curators (and the admin), a second factor? otherwise the page that sets up
   an authenticator app, with a message saying why.

Curators can publish, restore and re-tag any council's work, so a stolen
password alone must not be enough: every curator page, the review queue,
history restore and the Django admin demand two-factor authentication.
New curator pages take ``@curator_required`` (or ``CuratorRequiredMixin``);
``tests/test_access.py`` walks every URL under ``/curate/`` and ``/review/``
and fails for one that lets the wrong person in.
"""

from __future__ import annotations

from functools import wraps

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from councils.models import MemberProfile
from councils.selectors import member_profile, user_is_curator

ONLY_CURATORS = "Only curators can review, publish, restore and curate case studies."
TWO_FACTOR_MESSAGE = (
    "Curators must turn on two-factor authentication before they can review or change other councils' work."
)


def user_has_two_factor(user) -> bool:
    """The account has an authenticator app; allauth then asks for its code at every sign-in.

    Remembered on the user object, so a page that asks several times costs one query.
    """
    if not user.is_authenticated:
        return False
    known = getattr(user, "_portal_has_two_factor", None)
    if known is None:
        known = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._portal_has_two_factor = known
    return known


def user_curates(user) -> bool:
    """A curator who can act as one: curator powers over other councils' work need the second factor too."""
    return user_is_curator(user) and user_has_two_factor(user)


def curator_needs_two_factor(user) -> bool:
    """Curators can publish anything for any council, so their account must have a second factor first."""
    return user_is_curator(user) and not user_has_two_factor(user)


def user_writer_profile(user) -> MemberProfile | None:
    """The profile of someone who writes for a council (an officer, or a curator with a council)."""
    profile = member_profile(user)
    if profile is None or profile.council_id is None or profile.role == MemberProfile.Role.MEMBER:
        return None
    return profile


def forbidden(request, reason: str, *, title: str = "You cannot do this"):
    """The 403 page, saying why, rather than a bare 'Forbidden'."""
    return render(request, "practices/submit/forbidden.html", {"reason": reason, "title": title}, status=403)


def two_factor_first(request):
    """Send a curator without two-factor authentication to set it up (with a message saying why)."""
    messages.warning(request, TWO_FACTOR_MESSAGE)
    return redirect("mfa_activate_totp")


def explained_403(view):
    """Turn PermissionDenied into a page that says why."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return forbidden(request, str(error) or "You cannot do that here.")

    return wrapper


def curator_required(view):
    """Signed in (else sign-in), a curator (else 403), with two-factor authentication (else set it up)."""

    @login_required
    @explained_403
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_curator(request.user):
            raise PermissionDenied(ONLY_CURATORS)
        if curator_needs_two_factor(request.user):
            return two_factor_first(request)
        return view(request, *args, **kwargs)

    wrapper.access_rule = "curator"
    return wrapper


def officer_required(view):
    """Signed in (else sign-in), and writing for a council as an officer or curator (else a 403 that says how)."""

    @login_required
    @explained_403
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if user_writer_profile(request.user) is None:
            profile = member_profile(request.user)
            return render(request, "practices/submit/not_a_writer.html", {"profile": profile}, status=403)
        return view(request, *args, **kwargs)

    wrapper.access_rule = "officer"
    return wrapper


class CuratorRequiredMixin:
    """``curator_required`` for class-based views: put it first among the bases."""

    @classmethod
    def as_view(cls, **initkwargs):
        return curator_required(super().as_view(**initkwargs))


class TwoFactorAdminSite(admin.AdminSite):
    """The Django admin, entered through the portal's own sign-in, and only with a second factor.

    ``has_permission`` is what every admin page checks, so a staff account
    without an authenticator sees none of them (drafts included); the admin's
    own login form is replaced by allauth's, where rate limits and 2FA apply.
    """

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and user_has_two_factor(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.get_full_path())
        if user.is_active and user.is_staff and not user_has_two_factor(user):
            return two_factor_first(request)
        return secure_admin_login(super().login)(request, extra_context)
